using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Gateway.Server.Data;

/// <summary>
/// One SQL statement prepared once and executed many times inside a transaction, with its
/// parameters rebound per row. Bulk writers (ingest, seed) use it instead of a Dapper call per row:
/// Dapper builds a new command per call, and the provider re-parses its SQL every time, which is
/// most of the cost of a small insert. Plain ADO.NET on PostgreSQL and SQL Server; on SQLite the
/// executions go through SQLite's own API with the same values (<see cref="SqliteStatement"/>, decision 89),
/// and only <see cref="Reader"/> uses the provider.
/// </summary>
internal sealed class PreparedCommand : IAsyncDisposable, IDisposable
{
    private readonly DbCommand command;
    private readonly Dictionary<string, int> ordinals = new(StringComparer.Ordinal);
    private readonly List<DbParameter> ordered = [];
    private readonly object?[] values;
    private readonly SqliteConnection? sqlite;
    private SqliteStatement? sqliteStatement;
    private bool prepared;

    public PreparedCommand(DbConnection connection, DbTransaction? transaction, string sql, params IEnumerable<string> parameterNames)
    {
        command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name.StartsWith('@') ? name : "@" + name;
            parameter.Value = DBNull.Value;
            command.Parameters.Add(parameter);
            // Under both spellings, so that Set finds either in one look-up: the writers bind ≈ 40 values per
            // shipment by name, and building "@" + name for each was garbage and a second look-up.
            ordinals[parameter.ParameterName] = ordered.Count;
            ordinals[parameter.ParameterName[1..]] = ordered.Count;
            ordered.Add(parameter);
        }

        values = new object?[ordered.Count];
        // SQLite: executions go through SQLite's own API (Data/SqliteStatement.cs), the reader through the provider.
        sqlite = connection as SqliteConnection;
    }

    /// <summary>For a command kept prepared across transactions on one connection (the audit writer's).</summary>
    public DbTransaction? Transaction
    {
        set => command.Transaction = value;
    }

    /// <summary>Binds a parameter by name ("@Name" or "Name"); null becomes SQL NULL.</summary>
    public PreparedCommand Set(string name, object? value)
    {
        values[ordinals[name]] = Value(value);
        return this;
    }

    /// <summary>
    /// Binds the parameter at <paramref name="ordinal"/> in the order the names were given: no name
    /// look-up, for multi-row statements with hundreds of parameters.
    /// </summary>
    public PreparedCommand Set(int ordinal, object? value)
    {
        values[ordinal] = Value(value);
        return this;
    }

    private static object? Value(object? value) =>
        // As the Dapper handler writes times (Data/DataSetup.cs): UTC, Kind=Unspecified, DbType.DateTime2 —
        // `timestamp` on PostgreSQL without a detour through the session time zone.
        value is DateTime d ? DateTime.SpecifyKind(d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d, DateTimeKind.Unspecified) : value;

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        if (sqlite is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Execute();
        }

        await PrepareOnceAsync(cancellationToken);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Synchronous, for a loop on its own thread (the audit writer's).</summary>
    public int Execute()
    {
        if (sqlite is not null)
        {
            return Statement().Execute(values);
        }

        PrepareOnce();
        return command.ExecuteNonQuery();
    }

    /// <summary>Synchronous, for a loop on its own thread (the audit writer's).</summary>
    public DbDataReader Reader()
    {
        PrepareOnce();
        return command.ExecuteReader();
    }

    public async Task<object?> ScalarAsync(CancellationToken cancellationToken)
    {
        if (sqlite is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Statement().Scalar(values);
        }

        await PrepareOnceAsync(cancellationToken);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private SqliteStatement Statement() =>
        sqliteStatement ??= new SqliteStatement(sqlite!, command.CommandText, ordered.ConvertAll(p => p.ParameterName));

    private void CopyValues()
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is DateTime)
            {
                ordered[i].DbType = System.Data.DbType.DateTime2;
            }

            ordered[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private void PrepareOnce()
    {
        if (!prepared)
        {
            command.Prepare();
            prepared = true;
        }

        CopyValues();
    }

    private async Task PrepareOnceAsync(CancellationToken cancellationToken)
    {
        if (!prepared)
        {
            await command.PrepareAsync(cancellationToken);
            prepared = true;
        }

        CopyValues();
    }

    public ValueTask DisposeAsync()
    {
        sqliteStatement?.Dispose();
        return command.DisposeAsync();
    }

    public void Dispose()
    {
        sqliteStatement?.Dispose();
        command.Dispose();
    }
}
