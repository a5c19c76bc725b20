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

    /// <summary>
    /// True when <paramref name="exception"/> is a unique-key (or primary-key) violation: idempotent
    /// writes insert first and treat this as "already done by a concurrent or earlier request".
    /// </summary>
    public abstract bool IsUniqueViolation(System.Data.Common.DbException exception);

    /// <summary>Case-insensitive "contains" predicate on <paramref name="column"/>.</summary>
    public abstract string ContainsIgnoreCase(string column, string parameter);

    /// <summary>
    /// "column is one of the list parameter". Dapper expands `IN @list` on SQLite and SQL Server but
    /// hands Npgsql the list as one array parameter, which needs `= ANY(@list)`.
    /// </summary>
    public virtual string In(string column, string parameter) => $"{column} IN {parameter}";

    /// <summary>
    /// "column is one of <paramref name="count"/> values" for a command bound by hand (no Dapper), with
    /// <see cref="BindList"/>: one parameter per value (@name0, @name1, …), so the text is fixed for a
    /// given count and can stay prepared. PostgreSQL takes one array parameter instead.
    /// </summary>
    public virtual string InList(string column, string name, int count) =>
        $"{column} IN ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"@{name}{i}"))})";

    /// <summary>The parameter names <see cref="InList"/> uses.</summary>
    public virtual IEnumerable<string> ListParameters(string name, int count) => Enumerable.Range(0, count).Select(i => $"@{name}{i}");

    /// <summary>Sets the values of an <see cref="InList"/> on a command created with <see cref="ListParameters"/>.</summary>
    public virtual void BindList(DbCommand command, string name, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters[$"@{name}{i}"].Value = values[i];
        }
    }

    /// <summary>
    /// Insert-or-update of one row by its key. Parameters are named after the columns in PascalCase
    /// (shipment_id → @ShipmentId) so a Dapper row object binds directly.
    /// </summary>
    public abstract string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns);

    /// <summary>
    /// A read of rows that the current transaction will update, locked against other writers until it
    /// commits (PostgreSQL: FOR UPDATE; SQL Server: WITH (UPDLOCK, ROWLOCK)). Serialises e.g. the audit
    /// chain head across gateway nodes.
    /// </summary>
    public abstract string SelectForUpdate(string columns, string table, string where);

    /// <summary>
    /// Insert of one row that does nothing when a row with the same <paramref name="conflictColumns"/> (a unique key)
    /// exists: retries and concurrent writers stay harmless. Parameters as in <see cref="Upsert"/>.
    /// </summary>
    public abstract string InsertIgnore(string table, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> columns);

    /// <summary>
    /// Table hint written after a table name in the FROM of a SELECT choosing rows to claim (outbox
    /// rows, job work): rows another worker has locked are skipped instead of waited for.
    /// SQL Server: <c>WITH (UPDLOCK, READPAST, ROWLOCK)</c>.
    /// </summary>
    public abstract string ClaimTableHint { get; }

    /// <summary>
    /// Suffix of a SELECT choosing rows to claim, after ORDER BY / LIMIT. PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>.
    /// Claims stay correct without it (the claiming UPDATE re-checks its condition); it only stops
    /// nodes from queueing behind each other.
    /// </summary>
    public abstract string ClaimSuffix { get; }

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

    /// <summary>
    /// Undoes <see cref="BulkLoadSessionSql"/> before the connection goes back to the pool; null if nothing to
    /// undo. A pooled connection keeps its session settings, and the next caller may be an ingest or an audit
    /// commit that must not inherit the seed's relaxed durability.
    /// </summary>
    public virtual string? BulkLoadSessionEndSql => null;

    /// <summary>
    /// Settings run on a connection before it writes one ingest batch; null if none. Durability is unchanged:
    /// these may only trade memory for speed.
    /// </summary>
    public virtual string? WriteBatchSessionSql => null;

    /// <summary>
    /// Whether <c>=</c> on text is true only for the same characters. SQLite's BINARY collation and PostgreSQL's
    /// deterministic ones: yes. SQL Server's usual collations ignore case and trailing spaces, so a writer there
    /// must not conclude from <c>=</c> that a stored value need not be written again.
    /// </summary>
    public virtual bool TextEqualityIsExact => true;

    public static string Parameter(string column) =>
        "@" + string.Concat(column.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
}

/// <summary>SQLite and PostgreSQL share LIMIT and INSERT … ON CONFLICT; only SQL Server needs MERGE and OFFSET/FETCH.</summary>
internal abstract class OnConflictDialect : SqlDialect
{
    public override string Limit(string parameter) => $"LIMIT {parameter}";

    public override string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns)
    {
        var updates = columns.Except(keyColumns).Select(c => $"{c} = excluded.{c}");
        return $"""
            INSERT INTO {table} ({string.Join(", ", columns)})
            VALUES ({string.Join(", ", columns.Select(Parameter))})
            ON CONFLICT ({string.Join(", ", keyColumns)}) DO UPDATE SET {string.Join(", ", updates)}
            """;
    }

    public override string InsertIgnore(string table, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> columns) => $"""
        INSERT INTO {table} ({string.Join(", ", columns)})
        VALUES ({string.Join(", ", columns.Select(Parameter))})
        ON CONFLICT ({string.Join(", ", conflictColumns)}) DO NOTHING
        """;
}

internal sealed class SqliteDialect : OnConflictDialect
{
    public override string Name => "sqlite";

    // SQLITE_CONSTRAINT (19) with the extended codes SQLITE_CONSTRAINT_UNIQUE (2067) or
    // SQLITE_CONSTRAINT_PRIMARYKEY (1555); NOT NULL or CHECK failures are real errors.
    public override bool IsUniqueViolation(System.Data.Common.DbException exception) =>
        exception is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    // One writer at a time (transactions begin IMMEDIATE): there is never a locked row to skip.
    public override string ClaimTableHint => "";

    public override string ClaimSuffix => "";

    // SQLite's LIKE is case-insensitive for ASCII; instr(lower()) keeps '%' and '_' in the value literal.
    public override string ContainsIgnoreCase(string column, string parameter) =>
        $"instr(lower({column}), lower({parameter})) > 0";

    // A SQLite write transaction (BEGIN IMMEDIATE, Microsoft.Data.Sqlite's default) already holds the
    // database's single writer lock from its start: no row lock is needed, or possible.
    public override string SelectForUpdate(string columns, string table, string where) =>
        $"SELECT {columns} FROM {table} WHERE {where}";

    // BEGIN IMMEDIATE takes SQLite's (database-wide) write lock at once. Microsoft.Data.Sqlite's
    // BeginTransaction() does the same by default (Serializable, not deferred); saying so explicitly
    // keeps it true if that default ever changes. Readers are not blocked (WAL).
    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, string lockTable, CancellationToken cancellationToken = default) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false));

    // With WAL, synchronous=NORMAL still never corrupts the file; it may lose the last commits on
    // power loss, which a seed can simply re-run. A 256 MB page cache keeps the indexes in memory.
    public override string? BulkLoadSessionSql => "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;";

    // What a connection opened by Database has: SQLite's defaults (FULL, 2 MB). Pinned by SyntheticMarketplaceTests.
    public override string? BulkLoadSessionEndSql => "PRAGMA synchronous=FULL; PRAGMA cache_size=-2000;";

    // A batch of 1,000 shipments inserts into about 18 b-trees each; with SQLite's default 2 MB page cache
    // most of those index pages were re-read from the OS on every batch (pread copies were the largest
    // kernel cost). 16 MB keeps them across batches: +8–14 % shipments/s, ≈ −8 % CPU per shipment; 64 MB
    // gained nothing more (docs/performance.md, "Ingest", decision 86). The cache only holds pages the connection has
    // read; the provider's pool closes connections idle for a few minutes.
    //
    // The batch's commit runs SQLite's automatic checkpoint once the WAL holds wal_autocheckpoint pages
    // (default 1,000, 4 MB: after nearly every batch, each with a database fsync). At 10,000 pages (40 MB)
    // a page rewritten by several batches is copied once, and there are a tenth of the fsyncs: +8–18 % new
    // and +17–24 % changed shipments/s (decision 87). The checkpoint stays on this connection: run in the
    // background instead, it never caught up with a busy ingest and the WAL grew to 1.7 GB in 12 s.
    public override string? WriteBatchSessionSql => "PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=10000;";

}

internal sealed class PostgresDialect : OnConflictDialect
{
    public override string Name => "postgres";

    public override string In(string column, string parameter) => $"{column} = ANY({parameter})";

    public override string InList(string column, string name, int count) => $"{column} = ANY(@{name})";

    public override IEnumerable<string> ListParameters(string name, int count) => [$"@{name}"];

    public override void BindList(DbCommand command, string name, IReadOnlyList<string> values) =>
        command.Parameters[$"@{name}"].Value = values.ToArray();

    // 23505 = unique_violation.
    public override bool IsUniqueViolation(System.Data.Common.DbException exception) =>
        exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };

    public override string SelectForUpdate(string columns, string table, string where) =>
        $"SELECT {columns} FROM {table} WHERE {where} FOR UPDATE";

    // SHARE ROW EXCLUSIVE conflicts with itself and with ordinary writes to the table, not with reads:
    // writers that derive a value from the current state (MAX + 1) run one at a time, and what they
    // number becomes visible in commit order.
    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, string lockTable, CancellationToken cancellationToken = default)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"LOCK TABLE {lockTable} IN SHARE ROW EXCLUSIVE MODE";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    public override string ClaimTableHint => "";

    // Concurrent nodes skip rows another node is claiming instead of queueing behind it.
    public override string ClaimSuffix => "FOR UPDATE SKIP LOCKED";

    // strpos keeps '%' and '_' in the value literal, like instr on SQLite.
    public override string ContainsIgnoreCase(string column, string parameter) =>
        $"strpos(lower({column}), lower({parameter})) > 0";

}
