using Gateway.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>
/// The ingest sequence (MAX + 1 once per batch) is only safe if a write transaction holds the write
/// lock from its first statement, before it has written anything.
/// </summary>
public sealed class WriteLockTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-lock-{Guid.NewGuid():N}.db");

    private static bool CanTakeWriteLock(string path)
    {
        // Default Timeout is the busy wait in seconds (0 would mean forever).
        using var other = new SqliteConnection($"Data Source={path};Default Timeout=1;Pooling=False");
        other.Open();
        using var command = other.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
        try
        {
            command.ExecuteNonQuery();
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 5)
        {
            return false; // SQLITE_BUSY
        }
    }

    [Fact]
    public async Task The_dialects_write_transaction_and_the_providers_default_both_lock_before_any_write()
    {
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
        Migrator.MigrateUp(database);

        await using (var connection = await database.OpenAsync())
        await using (var transaction = await database.Dialect.BeginWriteAsync(connection, "shipments"))
        {
            Assert.False(CanTakeWriteLock(path));
        }

        Assert.True(CanTakeWriteLock(path));

        // DemoData and other callers use the provider's default: BEGIN IMMEDIATE as well.
        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.False(CanTakeWriteLock(path));
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
}
