using System.Data.Common;

namespace Gateway.Server.Data;

/// <summary>
/// One SQL statement prepared once and executed many times inside a transaction, with its
/// parameters rebound per row. Bulk writers (ingest, seed) use it instead of a Dapper call per row:
/// Dapper builds a new command per call, and the provider re-parses its SQL every time, which is
/// most of the cost of a small insert. Plain ADO.NET, so it works unchanged on every provider.
/// </summary>
internal sealed class PreparedCommand : IAsyncDisposable, IDisposable
{
    private readonly DbCommand command;
    private readonly Dictionary<string, DbParameter> parameters = new(StringComparer.Ordinal);
    private readonly List<DbParameter> ordered = [];
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
            parameters[parameter.ParameterName] = parameter;
            ordered.Add(parameter);
        }
    }

    /// <summary>For a command kept prepared across transactions on one connection (the audit writer's).</summary>
    public DbTransaction? Transaction
    {
        set => command.Transaction = value;
    }

    /// <summary>Binds a parameter by name ("@Name" or "Name"); null becomes SQL NULL.</summary>
    public PreparedCommand Set(string name, object? value)
    {
        Bind(parameters.TryGetValue(name, out var p) ? p : parameters["@" + name], value);
        return this;
    }

    /// <summary>
    /// Binds the parameter at <paramref name="ordinal"/> in the order the names were given: no name
    /// look-up, for multi-row statements with hundreds of parameters.
    /// </summary>
    public PreparedCommand Set(int ordinal, object? value)
    {
        Bind(ordered[ordinal], value);
        return this;
    }

    private static void Bind(DbParameter parameter, object? value)
    {
        if (value is DateTime d)
        {
            // As the Dapper handler writes times (Data/DataSetup.cs): UTC, Kind=Unspecified, DbType.DateTime2 —
            // `timestamp` on PostgreSQL without a detour through the session time zone.
            parameter.DbType = System.Data.DbType.DateTime2;
            parameter.Value = DateTime.SpecifyKind(d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d, DateTimeKind.Unspecified);
            return;
        }

        parameter.Value = value ?? DBNull.Value;
    }

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        await PrepareOnceAsync(cancellationToken);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Synchronous, for a loop on its own thread (the audit writer's).</summary>
    public int Execute()
    {
        PrepareOnce();
        return command.ExecuteNonQuery();
    }

    /// <summary>Synchronous, for a loop on its own thread (the audit writer's).</summary>
    public DbDataReader Reader()
    {
        PrepareOnce();
        return command.ExecuteReader();
    }

    private void PrepareOnce()
    {
        if (!prepared)
        {
            command.Prepare();
            prepared = true;
        }
    }

    public async Task<object?> ScalarAsync(CancellationToken cancellationToken)
    {
        await PrepareOnceAsync(cancellationToken);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private async Task PrepareOnceAsync(CancellationToken cancellationToken)
    {
        if (!prepared)
        {
            await command.PrepareAsync(cancellationToken);
            prepared = true;
        }
    }

    public ValueTask DisposeAsync() => command.DisposeAsync();

    public void Dispose() => command.Dispose();
}
