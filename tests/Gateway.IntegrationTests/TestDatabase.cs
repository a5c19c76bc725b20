using Microsoft.Data.SqlClient;
using Npgsql;

namespace Gateway.IntegrationTests;

/// <summary>
/// Which engine the integration suite runs on. SQLite (a file in the fixture's temp folder) unless
/// GATEWAY_TEST_PROVIDER=postgres, in which case every fixture gets a fresh database on the server
/// named by GATEWAY_TEST_POSTGRES (default: postgres/postgres on 127.0.0.1), dropped afterwards.
/// .ci/run runs the suite both ways. GATEWAY_TEST_PROVIDER=sqlserver runs it on the SQL Server named by
/// GATEWAY_TEST_SQLSERVER (a connection string with the right to CREATE DATABASE; see docs/deployment.md),
/// again with a fresh database per fixture.
/// </summary>
internal static class TestDatabase
{
    public static string Provider => Environment.GetEnvironmentVariable("GATEWAY_TEST_PROVIDER") ?? "sqlite";

    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("GATEWAY_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";

    /// <summary>Why PostgreSQL-only tests are skipped, or null when a server answers.</summary>
    public static readonly Lazy<string?> PostgresUnavailable = new(() =>
    {
        try
        {
            using var connection = new NpgsqlConnection(PostgresAdmin + ";Timeout=3");
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return $"PostgreSQL not reachable ({e.Message}); set GATEWAY_TEST_POSTGRES to a server's connection string (.ci/run starts one).";
        }
    });

    public static string SqlServerAdmin =>
        Environment.GetEnvironmentVariable("GATEWAY_TEST_SQLSERVER") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "GATEWAY_TEST_PROVIDER=sqlserver needs GATEWAY_TEST_SQLSERVER, e.g. \"Server=127.0.0.1,1433;User ID=sa;Password=…;TrustServerCertificate=true\".");

    /// <returns>Provider name and connection string for a new, empty database.</returns>
    public static async Task<(string Provider, string ConnectionString)> CreateAsync(string sqliteFolder)
    {
        if (Provider == "sqlserver")
        {
            return ("sqlserver", await CreateSqlServerAsync());
        }

        if (Provider != "postgres")
        {
            return ("sqlite", $"Data Source={sqliteFolder}/gateway.db");
        }

        var name = "gw_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ("postgres", new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString);
    }

    private static async Task<string> CreateSqlServerAsync()
    {
        var name = "gw_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new SqlConnection(SqlServerAdmin))
        {
            await connection.OpenAsync();
            // Row versioning for READ COMMITTED, as docs/deployment.md asks of a gateway database:
            // readers do not queue behind writers' row locks (PostgreSQL's behaviour).
            foreach (var sql in new[] { $"CREATE DATABASE [{name}]", $"ALTER DATABASE [{name}] SET READ_COMMITTED_SNAPSHOT ON" })
            {
                await using var command = new SqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        return new SqlConnectionStringBuilder(SqlServerAdmin) { InitialCatalog = name }.ConnectionString;
    }

    public static async Task DropAsync(string provider, string connectionString)
    {
        if (provider == "sqlserver")
        {
            SqlConnection.ClearAllPools();
            var database = new SqlConnectionStringBuilder(connectionString).InitialCatalog;
            await using var admin = new SqlConnection(SqlServerAdmin);
            await admin.OpenAsync();
            await using var dropDatabase = new SqlCommand(
                $"ALTER DATABASE [{database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{database}]", admin);
            await dropDatabase.ExecuteNonQueryAsync();
            return;
        }

        if (provider != "postgres")
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(PostgresAdmin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A test that needs a real PostgreSQL server; skipped, saying why, when none answers.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresUnavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A test of something only the embedded SQLite file has; skipped, saying why, on the PostgreSQL pass.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute(string why)
    {
        if (TestDatabase.Provider != "sqlite")
        {
            Skip = "SQLite only: " + why;
        }
    }
}
