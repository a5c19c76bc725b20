using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Gateway.Server.Shipments;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace Gateway.Tests;

/// <summary>
/// The per-call reads stay prepared across calls. SQLite silently re-prepares a statement whose plan
/// depended on a bound value (a bound LIMIT, a LIKE pattern) every time that value is bound again;
/// GetShipment once paid a full re-prepare per call that way (docs/performance.md).
/// </summary>
public sealed class StatementCacheTests : IDisposable
{
    private const int StmtStatusReprepare = 5; // SQLITE_STMTSTATUS_REPREPARE

    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-statements-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task GetShipment_and_agency_reads_run_again_and_again_without_being_prepared_again()
    {
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
        Migrator.MigrateUp(database);
        using var statements = new StatementCache(database);
        var reader = new ShipmentExportReader(database, new ShipmentQueries(database), statements, new SqliteReadConnections(database));
        var agencies = new AgencyStore(database, statements, TimeProvider.System);
        HashSet<DataSubset> subsets = [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings];
        // The one session this single caller will keep renting: let SQLitePCL list its statements, from before any is prepared.
        sqlite3 handle;
        using (var first = await statements.RentAsync(CancellationToken.None))
        {
            handle = ((SqliteConnection)first.Connection).Handle!;
            handle.enable_sqlite3_next_stmt(true);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await reader.FindAsync(ShipmentQueries.Key.TrackingNumber, $"LX{i}", ["FR", "DE"], subsets, CancellationToken.None));
            Assert.Null(await agencies.FindAsync($"agency-{i}"));
        }

        // One caller at a time rents the same kept session: all ten executions ran on its two statements.
        using var session = await statements.RentAsync(CancellationToken.None);
        Assert.Same(handle, ((SqliteConnection)session.Connection).Handle);
        var executed = 0;
        for (var statement = raw.sqlite3_next_stmt(handle, null); statement is not null && !statement.IsInvalid; statement = raw.sqlite3_next_stmt(handle, statement))
        {
            executed++;
            Assert.Equal(0, raw.sqlite3_stmt_status(statement, StmtStatusReprepare, 0));
        }

        Assert.Equal(2, executed);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
}
