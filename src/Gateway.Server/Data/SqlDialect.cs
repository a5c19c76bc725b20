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
    /// Insert of one row that does nothing when a row with the same <paramref name="conflictColumns"/> (a unique key)
    /// exists: retries and concurrent writers stay harmless. Parameters as in <see cref="Upsert"/>.
    /// </summary>
    public abstract string InsertIgnore(string table, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> columns);

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
