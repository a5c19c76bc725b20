using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Server.Data;

/// <summary>
/// Opens one connection per operation (the provider's pool does the rest) and tells features
/// which SQL dialect they are talking to.
/// </summary>
internal sealed class Database : IDisposable
{
    private readonly string connectionString;
    private readonly NpgsqlDataSource? postgres;
    private readonly int busyTimeoutMilliseconds;

    public Database(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        Provider = storage.Provider.ToLowerInvariant();
        (connectionString, Dialect) = Provider switch
        {
            "sqlite" => (NormaliseSqlite(storage.ConnectionString), (SqlDialect)new SqliteDialect()),
            "postgres" => (storage.ConnectionString, new PostgresDialect()),
            "sqlserver" => (storage.ConnectionString, new SqlServerDialect()),
            _ => throw new InvalidOperationException(
                $"Storage provider '{storage.Provider}' is not supported by this build (supported: sqlite, postgres, sqlserver)."),
        };
        if (Provider == "sqlite")
        {
            SqliteEngine.Configure();
            busyTimeoutMilliseconds = checked(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout * 1000);
        }

        if (Provider == "postgres")
        {
            // Statements used again and again (the hot path's agency and shipment reads, the audit insert)
            // are prepared by the driver and stay prepared on the pooled physical connection.
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (builder.MaxAutoPrepare == 0)
            {
                builder.MaxAutoPrepare = 64;
            }

            connectionString = builder.ConnectionString;
            postgres = NpgsqlDataSource.Create(connectionString);
        }
    }

    public string Provider { get; }

    public SqlDialect Dialect { get; }

    public string ConnectionString => connectionString;

    /// <summary>SQLite: how long a connection waits for a lock (the connection string's Default Timeout).</summary>
    public int SqliteBusyTimeoutMilliseconds => busyTimeoutMilliseconds;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (postgres is not null)
        {
            return await postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = Create();
        await connection.OpenAsync(cancellationToken);
        SetBusyTimeout(connection);
        return connection;
    }

    // SqlConnection opens nothing when constructed: a Database for SQL Server can be built (e.g. by
    // the ScriptDom census in tests) without a server.
    private DbConnection Create() => Provider == "sqlserver"
        ? new Microsoft.Data.SqlClient.SqlConnection(connectionString)
        : new SqliteConnection(connectionString);

    /// <summary>
    /// SQLite: wait for another writer inside SQLite (its busy handler retries after 1, 2, 5, 10… ms)
    /// rather than in Microsoft.Data.Sqlite, which sleeps 150 ms per retry. Every audit batch and the
    /// signed checkpoint contend for the one write lock; each collision cost every waiting call 150 ms
    /// (the audited p99). The bound is the same: the connection string's Default Timeout.
    /// </summary>
    private void SetBusyTimeout(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            using var command = sqlite.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {busyTimeoutMilliseconds};";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Synchronous open, for code on its own thread (the audit writer's loop).</summary>
    public DbConnection Open()
    {
        if (postgres is not null)
        {
            return postgres.OpenConnection();
        }

        var connection = Create();
        connection.Open();
        SetBusyTimeout(connection);
        return connection;
    }

    public void Dispose() => postgres?.Dispose();

    /// <summary>Absolute path of the database file, and its folder created, so the server can run from anywhere.</summary>
    private static string NormaliseSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }

        builder.Pooling = true;
        // Writers wait for each other rather than failing with SQLITE_BUSY (unless the connection string sets its own wait).
        if (!builder.ShouldSerialize("Default Timeout"))
        {
            builder.DefaultTimeout = 30;
        }
        return builder.ToString();
    }
}
