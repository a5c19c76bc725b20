using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace Gateway.Server.Data;

/// <summary>
/// SQL Server 2016+ (T-SQL). Checked offline: every statement the features build with this dialect,
/// and every migration, is parsed by ScriptDom in tests/Gateway.Tests (SqlServerScriptTests).
/// </summary>
internal sealed class SqlServerDialect : SqlDialect
{
    public override string Name => "sqlserver";

    // T-SQL has no LIMIT. Every Limit call site follows an ORDER BY (the contract of Limit), where
    // OFFSET/FETCH is valid — also inside a subquery, unlike a bare ORDER BY. TOP would have to move
    // to after SELECT, which would make the shared SQL engine-specific.
    public override string Limit(string parameter) => $"OFFSET 0 ROWS FETCH NEXT {parameter} ROWS ONLY";

    // 2627 = violation of a PRIMARY KEY / UNIQUE constraint, 2601 = duplicate key in a unique index.
    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqlException { Number: 2601 or 2627 };

    // Explicit LOWER keeps the comparison case-insensitive whatever the database collation, and
    // CHARINDEX keeps '%' and '_' in the value literal (as instr/strpos do).
    public override string ContainsIgnoreCase(string column, string parameter) =>
        $"CHARINDEX(LOWER({parameter}), LOWER({column})) > 0";

    // Dapper expands `IN @list` into `IN (@list1, @list2, …)` on SqlClient: the default In() is right.

    // UPDLOCK is held to the end of the transaction: a second node's SelectForUpdate waits, as
    // PostgreSQL's FOR UPDATE does; ROWLOCK keeps it to the row.
    public override string SelectForUpdate(string columns, string table, string where) =>
        $"SELECT {columns} FROM {table} WITH (UPDLOCK, ROWLOCK) WHERE {where}";

    // READPAST skips rows another transaction has locked, UPDLOCK keeps the chosen rows for this one:
    // SQL Server's spelling of FOR UPDATE SKIP LOCKED.
    public override string ClaimTableHint => "WITH (UPDLOCK, READPAST, ROWLOCK)";

    public override string ClaimSuffix => "";

    // 'LX1' = 'lx1 ' under SQL Server's default collations (case-insensitive, trailing spaces padded).
    public override bool TextEqualityIsExact => false;

    /// <summary>
    /// MERGE … WITH (HOLDLOCK): without HOLDLOCK (serializable on the key range) two concurrent
    /// MERGEs of a new key can both see "not matched" and one fails with a key violation.
    /// </summary>
    public override string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns)
    {
        var updates = columns.Except(keyColumns).Select(c => $"{c} = source.{c}").ToList();
        var matched = updates.Count == 0 ? "" : $"WHEN MATCHED THEN UPDATE SET {string.Join(", ", updates)}\n";
        return $"""
            MERGE INTO {table} WITH (HOLDLOCK) AS target
            USING (SELECT {string.Join(", ", columns.Select(c => $"{Parameter(c)} AS {c}"))}) AS source
            ON {string.Join(" AND ", keyColumns.Select(k => $"target.{k} = source.{k}"))}
            {matched}WHEN NOT MATCHED THEN INSERT ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => $"source.{c}"))});
            """;
    }

    /// <summary>
    /// INSERT … SELECT … WHERE NOT EXISTS under UPDLOCK + HOLDLOCK: the key-range lock taken by the
    /// check stops a concurrent insert of the same key between the check and the insert. Affected
    /// rows are 1 when inserted, 0 when the row existed — as ON CONFLICT DO NOTHING reports.
    /// </summary>
    public override string InsertIgnore(string table, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> columns) => $"""
        INSERT INTO {table} ({string.Join(", ", columns)})
        SELECT {string.Join(", ", columns.Select(Parameter))}
        WHERE NOT EXISTS (SELECT 1 FROM {table} WITH (UPDLOCK, HOLDLOCK)
                          WHERE {string.Join(" AND ", conflictColumns.Select(c => $"{c} = {Parameter(c)}"))})
        """;

    /// <summary>
    /// An application lock named after the table, owned by the transaction (released at commit or
    /// rollback). Why not a table hint: a table-level UPDLOCK/TABLOCKX taken by a SELECT that reads no
    /// row can be optimised away, and TABLOCKX would also block readers under READ COMMITTED. The
    /// writers that need the lock (ingest, seed, seizures) all take it through this method, so an
    /// application lock serialises exactly them, and their sequences become visible in commit order.
    /// </summary>
    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, string lockTable, CancellationToken cancellationToken = default)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = WriteLockSql;
        var resource = command.CreateParameter();
        resource.ParameterName = "@resource";
        resource.Value = "gateway.write." + lockTable;
        command.Parameters.Add(resource);
        var result = command.CreateParameter();
        result.ParameterName = "@result";
        result.DbType = System.Data.DbType.Int32;
        result.Direction = System.Data.ParameterDirection.Output;
        command.Parameters.Add(result);
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (result.Value is not int code || code < 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            await transaction.DisposeAsync();
            throw new TimeoutException($"Could not take the write lock on {lockTable} (sp_getapplock returned {result.Value}).");
        }

        return transaction;
    }

    /// <summary>The statement BeginWriteAsync runs (0/1 = granted; negative = timeout, deadlock or error).</summary>
    public const string WriteLockSql =
        "EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000";
}
