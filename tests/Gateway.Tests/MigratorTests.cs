using Dapper;
using Gateway.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>
/// Start-up skips FluentMigrator when the schema is current (issue #8, cold start). "Current" must mean
/// every migration version is recorded, not just the highest: branches own number ranges, so a
/// migration merged later can carry a lower number than one an installation already applied.
/// </summary>
public sealed class MigratorTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-migrator-{Guid.NewGuid():N}.db");

    [Fact]
    public void A_missing_lower_version_is_applied_although_the_highest_is_recorded()
    {
        var database = NewDatabase();
        Migrator.MigrateUp(database);
        using (var connection = database.Open())
        {
            // As if M0300 had been merged after the installation ran every later migration.
            connection.Execute("""
                DROP INDEX ix_shipments_seller_key; DROP INDEX ix_shipments_destination_key; DROP INDEX ix_shipments_origin_key;
                DELETE FROM "VersionInfo" WHERE "Version" = 300;
                """);
            Assert.Equal(0, IndexCount(connection));
        }

        Migrator.MigrateUp(database);

        using (var connection = database.Open())
        {
            Assert.Equal(1, IndexCount(connection));
            Assert.Equal(1, connection.ExecuteScalar<long>("""SELECT COUNT(*) FROM "VersionInfo" WHERE "Version" = 300"""));
        }

        // Current now: a third start changes nothing and does not fail.
        Migrator.MigrateUp(database);
    }

    [Fact]
    public void No_two_indexes_of_a_table_hold_the_same_columns()
    {
        // Every index is written by every insert into its table: one that repeats another's columns (as
        // ux_shipments_ingest_seq repeated the UNIQUE constraint's own index until M1000) only costs writes.
        var database = NewDatabase();
        Migrator.MigrateUp(database);
        using var connection = database.Open();
        var indexes = connection.Query<(string Table, string Index, string Columns)>("""
            SELECT m.name, il.name, (SELECT group_concat(ii.name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii)
            FROM sqlite_master m, pragma_index_list(m.name) il
            WHERE m.type = 'table'
            """).ToList();
        Assert.Contains(indexes, i => i is { Table: "shipments", Columns: "ingest_seq" });
        var duplicates = indexes.GroupBy(i => (i.Table, i.Columns)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Table}({g.Key.Columns}): {string.Join(", ", g.Select(i => i.Index))}");
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Dropping_the_country_sequence_keeps_every_jurisdiction_row()
    {
        var database = NewDatabase();
        Migrator.MigrateUp(database);
        using (var connection = database.Open())
        {
            // An installation from before M1010, holding jurisdiction rows with their copied sequence.
            connection.Execute("""
                ALTER TABLE shipment_countries ADD COLUMN ingest_seq INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX ix_shipment_countries_country_seq ON shipment_countries (country, ingest_seq);
                INSERT INTO shipment_countries (shipment_id, country, ingest_seq) VALUES ('SHP-1', 'DE', 1), ('SHP-1', 'CN', 1), ('SHP-2', 'FR', 2);
                DELETE FROM "VersionInfo" WHERE "Version" = 1010;
                """);
        }

        Migrator.MigrateUp(database);

        using (var connection = database.Open())
        {
            Assert.Equal(["shipment_id", "country"], connection.Query<string>("SELECT name FROM pragma_table_info('shipment_countries') ORDER BY cid"));
            Assert.Equal(0, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_shipment_countries_country_seq'"));
            Assert.Equal(["SHP-1 CN", "SHP-1 DE", "SHP-2 FR"],
                connection.Query<string>("SELECT shipment_id || ' ' || country FROM shipment_countries ORDER BY 1"));
        }
    }

    private Database NewDatabase() => new(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));

    private static long IndexCount(System.Data.Common.DbConnection connection) =>
        connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_shipments_destination_key'");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
    }
}
