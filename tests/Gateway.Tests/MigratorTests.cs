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
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
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
