using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Server.Data;

/// <summary>
/// SQLite connections of their own for the export's batch reads, opened through SQLite's API with
/// <c>SQLITE_OPEN_NOMUTEX</c>: multi-thread mode for these connections only. In the default serialized
/// mode SQLite takes the connection's recursive mutex in every API call, two for each text column read,
/// and that was a fifth of the export's reading thread (docs/performance.md, "ExportShipments", decision 93).
/// <para>
/// Multi-thread mode is safe as long as no two threads use one connection, or a statement of it, at once.
/// A lease is held by one batch read at a time, and that read finalizes its statement before it returns
/// the lease. A statement left to the GC's finalizer thread could run on a connection another thread is
/// using; that is why the process as a whole stays serialized (docs/performance-log.md, "Fourth look") and
/// only this code, whose every statement is disposed in the same method, uses these connections.
/// </para>
/// </summary>
internal sealed class SqliteReadConnections(Database database) : IDisposable
{
    // One per batch read in flight: an export reads one batch ahead, and a few exports may run at once.
    private readonly int maxIdle = Math.Max(4, Environment.ProcessorCount * 2);
    private readonly ConcurrentBag<sqlite3> idle = [];
    private readonly Lazy<string?> path = new(() => FilePath(database));
    private bool disposed;

    /// <summary>Connections waiting to be rented.</summary>
    internal int IdleCount => idle.Count;

    /// <summary>A connection to the gateway's SQLite file; null when the store is not a SQLite file (then use the provider's).</summary>
    public Lease? Rent()
    {
        if (path.Value is not { } file)
        {
            return null;
        }

        if (idle.TryTake(out var handle))
        {
            return new Lease(this, handle);
        }

        // READWRITE without CREATE: the file exists (migrated at start), and a WAL reader needs to write the
        // shared-memory index. Only SELECTs run on these connections.
        var rc = raw.sqlite3_open_v2(file, out handle, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
        if (rc != raw.SQLITE_OK)
        {
            var failure = SqliteEngine.Failure(handle, rc);
            handle.Dispose();
            throw failure;
        }

        // The same wait for a lock as every connection Database opens.
        raw.sqlite3_busy_timeout(handle, database.SqliteBusyTimeoutMilliseconds);
        return new Lease(this, handle);
    }

    private void Return(sqlite3 handle, bool broken)
    {
        if (broken || disposed || idle.Count >= maxIdle)
        {
            handle.Dispose();
            return;
        }

        idle.Add(handle);
    }

    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var handle))
        {
            handle.Dispose();
        }
    }

    /// <summary>
    /// The database file, as the provider's connections open it; null for anything else (in-memory, a URI, a
    /// read-only or shared-cache mode), which keeps the provider's connection with its own handling of those.
    /// </summary>
    private static string? FilePath(Database database)
    {
        if (database.Provider != "sqlite")
        {
            return null;
        }

        var builder = new SqliteConnectionStringBuilder(database.ConnectionString);
        return builder is { Mode: SqliteOpenMode.ReadWriteCreate or SqliteOpenMode.ReadWrite, Cache: SqliteCacheMode.Default }
            && string.IsNullOrEmpty(builder.Password)
            && builder.DataSource != ":memory:"
            && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal)
            && Path.IsPathFullyQualified(builder.DataSource)
            ? builder.DataSource
            : null;
    }

    /// <summary>One connection, for one caller at a time. Dispose returns it, or closes it once <see cref="Broken"/>.</summary>
    internal sealed class Lease(SqliteReadConnections owner, sqlite3 handle) : IDisposable
    {
        public sqlite3 Handle { get; } = handle;

        /// <summary>Set by a caller whose statement failed: the connection is closed rather than reused.</summary>
        public bool Broken { get; set; }

        public void Dispose() => owner.Return(Handle, Broken);
    }
}
