using Gateway.Server.Data;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests;

/// <summary>
/// On SQLite, <see cref="PreparedCommand"/> runs its statements through SQLite's own API
/// (<see cref="SqliteStatement"/>). What it stores must be what Microsoft.Data.Sqlite stores for the same
/// values, byte for byte and type for type: other code reads these rows through the provider and compares
/// them with values the provider bound (times above all).
/// </summary>
public sealed class PreparedCommandTests : IDisposable
{
    private static readonly DateTime Utc = new DateTime(2026, 11, 24, 9, 30, 15, DateTimeKind.Utc).AddTicks(1234567);

    private static readonly object?[] Values =
    [
        "Zoë's 🧳 parcel", "", null, long.MaxValue, -42, (short)7, (byte)255, true, false, 1.5, 0.25f,
        new byte[] { 1, 2, 3 }, Array.Empty<byte>(), Utc, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Unspecified).AddTicks(10),
    ];

    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-prepared-{Guid.NewGuid():N}.db");

    private string[] Columns => Enumerable.Range(0, Values.Length).Select(i => $"c{i}").ToArray();

    [Fact]
    public async Task Every_value_is_stored_as_the_provider_stores_it()
    {
        using var connection = Open();
        Exec(connection, $"CREATE TABLE t (id INTEGER PRIMARY KEY, {string.Join(", ", Columns)})");
        var insert = $"INSERT INTO t VALUES (@id, {string.Join(", ", Columns.Select(c => "@" + c))})";

        // Row 1 through the provider, row 2 through PreparedCommand (SQLite's API), row 3 again with a reused statement.
        using (var provider = connection.CreateCommand())
        {
            provider.CommandText = insert;
            provider.Parameters.AddWithValue("@id", 1);
            foreach (var (column, value) in Columns.Zip(Values))
            {
                provider.Parameters.AddWithValue("@" + column, value ?? DBNull.Value);
            }

            provider.ExecuteNonQuery();
        }

        await using (var prepared = new PreparedCommand(connection, null, insert, ["id", .. Columns]))
        {
            for (var id = 2; id <= 3; id++)
            {
                prepared.Set("id", id);
                for (var i = 0; i < Values.Length; i++)
                {
                    prepared.Set(i + 1, Values[i]);
                }

                Assert.Equal(1, await prepared.ExecuteAsync(CancellationToken.None));
            }
        }

        var stored = Columns.Select(c => Query(connection, $"SELECT group_concat(typeof({c}) || ':' || quote({c}), ' | ') FROM t GROUP BY id ORDER BY id")).ToList();
        foreach (var (column, rows) in Columns.Zip(stored))
        {
            Assert.Equal(3, rows.Count);
            Assert.True(rows[0] == rows[1] && rows[1] == rows[2], $"{column}: provider {rows[0]}, SQLite API {rows[1]}, reused {rows[2]}");
        }

        // The spot checks that make "equal" mean something: text, '' not NULL, the provider's time format.
        Assert.Equal("text:'Zoë''s 🧳 parcel'", stored[0][1]);
        Assert.Equal("text:''", stored[1][1]);
        Assert.Equal("null:NULL", stored[2][1]);
        Assert.Equal("blob:X''", stored[12][1]);
        Assert.Equal("text:'2026-11-24 09:30:15.1234567'", stored[13][1]);
    }

    [Fact]
    public async Task A_local_time_is_stored_as_utc_and_scalars_come_back_as_the_provider_returns_them()
    {
        using var connection = Open();
        Exec(connection, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB, at TEXT)");
        var local = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Local);
        await using (var insert = new PreparedCommand(connection, null, "INSERT INTO t VALUES (@K, @N, @R, @B, @At)", "K", "N", "R", "B", "At"))
        {
            await insert.Set("K", "a").Set("N", 5L).Set("R", 2.5).Set("B", new byte[] { 9 }).Set("At", local).ExecuteAsync(CancellationToken.None);
        }

        Assert.Equal(local.ToUniversalTime().ToString(SqliteEngine.ProviderTimeFormat, System.Globalization.CultureInfo.InvariantCulture),
            Query(connection, "SELECT at FROM t")[0]);

        await using var scalar = new PreparedCommand(connection, null, "SELECT n FROM t WHERE k = @K", "K");
        Assert.Equal(5L, await scalar.Set("K", "a").ScalarAsync(CancellationToken.None));
        Assert.Null(await scalar.Set("K", "missing").ScalarAsync(CancellationToken.None));
        await using var text = new PreparedCommand(connection, null, "SELECT k FROM t WHERE n = @N", "N");
        Assert.Equal("a", await text.Set("N", 5).ScalarAsync(CancellationToken.None));
        await using var real = new PreparedCommand(connection, null, "SELECT r FROM t");
        Assert.Equal(2.5, await real.ScalarAsync(CancellationToken.None));
        await using var blob = new PreparedCommand(connection, null, "SELECT b FROM t");
        Assert.Equal(new byte[] { 9 }, await blob.ScalarAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_statement_throws_the_providers_exception_and_the_statement_runs_again_afterwards()
    {
        using var connection = Open();
        Exec(connection, "CREATE TABLE t (k TEXT PRIMARY KEY)");
        await using var insert = new PreparedCommand(connection, null, "INSERT INTO t VALUES (@K)", "K");
        await insert.Set("K", "a").ExecuteAsync(CancellationToken.None);

        // The ingest's record-by-record retry catches DbException: a constraint failure must be one.
        var failure = await Assert.ThrowsAsync<SqliteException>(() => insert.Set("K", "a").ExecuteAsync(CancellationToken.None));
        Assert.Equal(19, failure.SqliteErrorCode); // SQLITE_CONSTRAINT

        Assert.Equal(1, await insert.Set("K", "b").ExecuteAsync(CancellationToken.None));
        Assert.Equal("2", Query(connection, "SELECT COUNT(*) FROM t")[0]);

        // A type the provider would store in a form of its own is refused, not stored differently.
        await Assert.ThrowsAsync<NotSupportedException>(() => insert.Set("K", Guid.NewGuid()).ExecuteAsync(CancellationToken.None));
        Assert.Equal("2", Query(connection, "SELECT COUNT(*) FROM t")[0]);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        return connection;
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Query(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
}
