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

    public static string Parameter(string column) =>
        "@" + string.Concat(column.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
}

internal sealed class SqliteDialect : SqlDialect
{
    public override string Name => "sqlite";

    public override string Limit(string parameter) => $"LIMIT {parameter}";

    // One writer at a time (transactions begin IMMEDIATE): there is never a locked row to skip.
    public override string ClaimTableHint => "";

    public override string ClaimSuffix => "";

    // SQLite's LIKE is case-insensitive for ASCII; instr(lower()) keeps '%' and '_' in the value literal.
    public override string ContainsIgnoreCase(string column, string parameter) =>
        $"instr(lower({column}), lower({parameter})) > 0";

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
