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
}
