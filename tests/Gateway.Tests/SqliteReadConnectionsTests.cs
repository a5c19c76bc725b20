using System.Runtime.InteropServices;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Shipments;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>
/// The export's batch reads run on connections of their own in SQLite's multi-thread mode (decision 93): no
/// connection mutex per API call. Kept across batches, closed once a statement on them failed, and not used
/// at all for anything but a plain database file.
/// </summary>
public sealed class SqliteReadConnectionsTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-read-{Guid.NewGuid():N}.db");

    // SQLite's connection mutex: NULL for a connection opened with SQLITE_OPEN_NOMUTEX (sqlite3_db_mutex).
    [DllImport("e_sqlite3")]
    private static extern nint sqlite3_db_mutex(nint db);

    [Fact]
    public async Task An_export_batch_reads_on_a_kept_connection_that_takes_no_SQLite_mutex()
    {
        var database = Migrated();
        using var connections = new SqliteReadConnections(database);
        using var statements = new StatementCache(database);
        var reader = new ShipmentExportReader(database, new ShipmentQueries(database), statements, connections);

        Assert.Null(await FirstBatch(reader));

        // The batch rented a connection and gave it back.
        Assert.Equal(1, connections.IdleCount);
        using (var lease = connections.Rent()!)
        {
            Assert.Equal(0, connections.IdleCount);
            Assert.Equal(nint.Zero, sqlite3_db_mutex(lease.Handle.DangerousGetHandle()));
        }

        // The provider's connections stay serialized: the check above tells the two apart.
        await using var provider = (SqliteConnection)await database.OpenAsync();
        Assert.NotEqual(nint.Zero, sqlite3_db_mutex(provider.Handle!.DangerousGetHandle()));
        Assert.Equal(1, connections.IdleCount);
    }

    [Fact]
    public async Task An_export_batch_that_fails_in_SQLite_closes_its_connection()
    {
        var database = Migrated();
        using var connections = new SqliteReadConnections(database);
        using var statements = new StatementCache(database);
        var reader = new ShipmentExportReader(database, new ShipmentQueries(database), statements, connections);
        await using (var connection = await database.OpenAsync())
        {
            // The batch's statement cannot be prepared any more: SQLite reports an error.
            await using var drop = new SqliteCommand("DROP TABLE shipment_countries", (SqliteConnection)connection);
            await drop.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<SqliteException>(() => FirstBatch(reader));

        Assert.Equal(0, connections.IdleCount);
    }

    [Fact]
    public void A_connection_whose_statement_failed_is_closed_not_kept()
    {
        using var connections = new SqliteReadConnections(Migrated());
        var lease = connections.Rent()!;
        lease.Broken = true;
        lease.Dispose();

        Assert.Equal(0, connections.IdleCount);
        Assert.True(lease.Handle.IsClosed);
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=file:gateway.db?mode=ro")]
    [InlineData("Data Source={0};Mode=ReadOnly")]
    [InlineData("Data Source={0};Cache=Shared")]
    public void Anything_but_a_plain_database_file_keeps_the_provider_connection(string connectionString)
    {
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = string.Format(connectionString, path) }));
        using var connections = new SqliteReadConnections(database);

        Assert.Null(connections.Rent());
    }

    /// <summary>The first export batch of fr-customs' jurisdiction, core subset only.</summary>
    private static Task<EncodedShipmentBatch?> FirstBatch(ShipmentExportReader reader) =>
        reader.ReadAsync(ShipmentCriteria.None, ["FR"], after: null, take: 10,
            new HashSet<DataSubset> { DataSubset.ShipmentCore }, id => id, CancellationToken.None);

    private Database Migrated()
    {
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
        Migrator.MigrateUp(database);
        return database;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
}
