using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Server.Data;

/// <summary>
/// Process-wide SQLite settings, applied once before the library initialises (the first connection
/// opened in the process initialises it; after that <c>sqlite3_config</c> refuses with SQLITE_MISUSE
/// and the defaults stay, which is correct, only slower).
/// </summary>
internal static class SqliteEngine
{
    private static readonly Lazy<int> Configured = new(() =>
    {
        Batteries_V2.Init();
        // Memory statistics make every sqlite3_malloc/free take one process-wide mutex. Under concurrent
        // calls that mutex was the gateway's most contended lock: its futex hand-offs cost more CPU than
        // the queries (docs/performance.md, "GetShipment"). Nothing here reads sqlite3_memory_used().
        return raw.sqlite3_config(raw.SQLITE_CONFIG_MEMSTATUS, 0);
    });

    /// <summary>SQLITE_OK when the settings took effect; SQLITE_MISUSE when SQLite was already initialised.</summary>
    public static int Configure() => Configured.Value;

    /// <summary>
    /// Microsoft.Data.Sqlite's text for a DateTime. Code that binds through SQLite's own API (export
    /// filters, the audit insert) writes times in this form, so they compare with what the provider stored.
    /// </summary>
    public const string ProviderTimeFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    /// <summary>Throws SQLite's own error for a result code of SQLite's API that is not OK, ROW or DONE.</summary>
    public static void Check(sqlite3 connection, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            throw Failure(connection, rc);
        }
    }

    public static SqliteException Failure(sqlite3 connection, int rc) => new(raw.sqlite3_errmsg(connection).utf8_to_string(), rc);
}
