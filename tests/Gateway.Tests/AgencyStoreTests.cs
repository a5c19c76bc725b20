using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>
/// The caller interceptor reads the agency's row on every call, and the store builds the agency again only
/// when the row changed (compared in SQLite's own column buffers). A change to any column, written by another
/// connection as `gateway agencies suspend` does, must reach the very next read; an unchanged row must not
/// cost a new agency.
/// </summary>
public sealed class AgencyStoreTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-agencies-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task A_change_to_any_column_is_seen_by_the_next_read_and_an_unchanged_row_gives_the_same_agency()
    {
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
        Migrator.MigrateUp(database);
        using var statements = new StatementCache(database);
        var store = new AgencyStore(database, statements, TimeProvider.System);
        await store.AddAsync(new Agency("xx-customs", Agency.KindAgency, "Customs", Agency.StatusActive, ["FR"], ["shipments:read"],
            new HashSet<DataSubset> { DataSubset.ShipmentCore }, "CN=xx-customs", null, 50));

        var first = await store.FindAsync("xx-customs");
        Assert.NotNull(first);
        Assert.Same(first, await store.FindAsync("xx-customs"));
        Assert.Null(await store.FindAsync("yy-customs"));

        (string Set, Func<Agency, object?> Read, object? Expected)[] changes =
        [
            ("status = 'suspended'", a => a.Status, "suspended"),
            ("status = 'active'", a => a.Status, "active"),
            ("name = 'Customs (renamed)'", a => a.Name, "Customs (renamed)"),
            ("jurisdictions = 'FR,BE'", a => string.Join(',', a.Jurisdictions), "FR,BE"),
            ("scopes = 'shipments:read sellers:read'", a => string.Join(' ', a.Scopes), "shipments:read sellers:read"),
            ("subsets = 'SHIPMENT_CORE,SHIPMENT_PARTIES'", a => a.Subsets.Contains(DataSubset.ShipmentParties), true),
            ("certificate_subject = 'CN=xx-customs-2'", a => a.CertificateSubject, "CN=xx-customs-2"),
            ("receiver_endpoint = 'https://receiver.example'", a => a.ReceiverEndpoint, "https://receiver.example"),
            ("receiver_endpoint = ''", a => a.ReceiverEndpoint, ""),
            ("receiver_endpoint = NULL", a => a.ReceiverEndpoint, null),
            ("lead_threshold = 70", a => a.LeadThreshold, 70),
            ("kind = 'oversight'", a => a.Kind, "oversight"),
        ];
        var previous = first;
        foreach (var (set, read, expected) in changes)
        {
            // Another connection, as the admin CLI in its own process.
            await using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                Assert.Equal(1, await other.ExecuteAsync($"UPDATE agencies SET {set} WHERE id = 'xx-customs'"));
            }

            var next = await store.FindAsync("xx-customs");
            Assert.NotNull(next);
            Assert.NotSame(previous, next);
            Assert.Equal(expected, read(next));
            Assert.Same(next, await store.FindAsync("xx-customs"));
            previous = next;
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
}
