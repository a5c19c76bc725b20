using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Gateway.Server.Data;

/// <summary>
/// The few places where SQL differs between engines. Everything else is shared SQL, written once
/// next to the feature that owns it. PostgreSQL and SQL Server add one small type each.
/// </summary>
internal abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>Row limit appended after ORDER BY, e.g. "LIMIT @take".</summary>
    public abstract string Limit(string parameter);

    /// <summary>Case-insensitive "contains" predicate on <paramref name="column"/>.</summary>
    public abstract string ContainsIgnoreCase(string column, string parameter);

    /// <summary>
    /// Insert-or-update of one row by its key. Parameters are named after the columns in PascalCase
    /// (shipment_id → @ShipmentId) so a Dapper row object binds directly.
    /// </summary>
    public abstract string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns);

    /// <summary>
    /// Begins a transaction that holds the write lock on <paramref name="lockTable"/> from its first
    /// statement to its commit. Writers that derive a value from the current state — the next
    /// ingest_seq is MAX + 1 — need it: two concurrent writers must not both read the same MAX, and
    /// sequences must become visible in commit order (the scoring job reads past a watermark).
    /// </summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, string lockTable, CancellationToken cancellationToken = default);

    /// <summary>
    /// Session settings for a bulk load (the seed), run once on its connection; null if none. Trades
    /// durability of the last transactions on power loss for speed — never used by the serving path.
    /// </summary>
    public virtual string? BulkLoadSessionSql => null;

    public static string Parameter(string column) =>
        "@" + string.Concat(column.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
}

internal sealed class SqliteDialect : SqlDialect
{
    public override string Name => "sqlite";

    public override string Limit(string parameter) => $"LIMIT {parameter}";

    // SQLite's LIKE is case-insensitive for ASCII; instr(lower()) keeps '%' and '_' in the value literal.
    public override string ContainsIgnoreCase(string column, string parameter) =>
        $"instr(lower({column}), lower({parameter})) > 0";

    // BEGIN IMMEDIATE takes SQLite's (database-wide) write lock at once. Microsoft.Data.Sqlite's
    // BeginTransaction() does the same by default (Serializable, not deferred); saying so explicitly
    // keeps it true if that default ever changes. Readers are not blocked (WAL).
    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, string lockTable, CancellationToken cancellationToken = default) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false));

    // With WAL, synchronous=NORMAL still never corrupts the file; it may lose the last commits on
    // power loss, which a seed can simply re-run. A 256 MB page cache keeps the indexes in memory.
    public override string? BulkLoadSessionSql => "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;";

    public override string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns)
    {
        var updates = columns.Except(keyColumns).Select(c => $"{c} = excluded.{c}");
        return $"""
            INSERT INTO {table} ({string.Join(", ", columns)})
            VALUES ({string.Join(", ", columns.Select(Parameter))})
            ON CONFLICT ({string.Join(", ", keyColumns)}) DO UPDATE SET {string.Join(", ", updates)}
            """;
    }
}
