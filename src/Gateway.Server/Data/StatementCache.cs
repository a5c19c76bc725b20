using System.Collections.Concurrent;
using System.Data.Common;

namespace Gateway.Server.Data;

/// <summary>
/// Prepared statements kept across calls for the per-call reads of the hot path (the caller's agency,
/// GetShipment). Microsoft.Data.Sqlite prepares a statement again for every command on every opened
/// connection, and preparing cost as much as running these small indexed reads; a statement stays
/// prepared only on a connection that stays open. So on SQLite this keeps a few connections open,
/// each with its commands by SQL text; a call rents one, runs its statement, returns it. The two reads of
/// every call (the agency, GetShipment) use the session's raw statements (<see cref="Session.Statement"/>):
/// bound by index and read from SQLite's own column buffers, without the provider's data reader.
/// On PostgreSQL the driver does the same by itself (auto-prepare, see <see cref="Database"/>), and
/// SQL Server caches plans server-side: there a session is a plain pooled connection.
/// </summary>
internal sealed class StatementCache(Database database) : IDisposable
{
    // More idle sessions than calls that run a read at the same moment buys nothing; the rest are closed.
    private readonly int maxIdle = Math.Max(4, Environment.ProcessorCount * 4);
    private readonly ConcurrentBag<Session> idle = [];
    private bool disposed;

    private SqlDialect Dialect => database.Dialect;

    public async ValueTask<Session> RentAsync(CancellationToken cancellationToken)
    {
        if (database.Provider == "sqlite" && idle.TryTake(out var session))
        {
            return session;
        }

        return new Session(this, await database.OpenAsync(cancellationToken), keep: database.Provider == "sqlite");
    }

    private void Return(Session session)
    {
        if (!session.Keep || session.Broken || disposed || idle.Count >= maxIdle)
        {
            session.Close();
            return;
        }

        idle.Add(session);
    }

    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var session))
        {
            session.Close();
        }
    }

    /// <summary>One connection and its prepared commands. Dispose returns it (a failed statement closes it instead).</summary>
    internal sealed class Session(StatementCache owner, DbConnection connection, bool keep) : IDisposable
    {
        private readonly Dictionary<string, DbCommand> commands = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SqliteStatement> statements = new(StringComparer.Ordinal);

        public bool Keep { get; } = keep;

        /// <summary>The kept connection (tests inspect its prepared statements).</summary>
        internal DbConnection Connection => connection;

        public bool Broken { get; private set; }

        public SqlDialect Dialect => owner.Dialect;

        /// <summary>
        /// The command for <paramref name="sql"/>, with parameters named <paramref name="parameters"/>
        /// (values set by the caller before each execution).
        /// </summary>
        public DbCommand Command(string sql, params ReadOnlySpan<string> parameters)
        {
            if (commands.TryGetValue(sql, out var command))
            {
                return command;
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            if (Keep)
            {
                // Without an explicit Prepare, Microsoft.Data.Sqlite compiles the SQL again on every execution.
                command.Prepare();
                commands[sql] = command;
            }

            return command;
        }

        /// <summary>
        /// On SQLite, the statement for <paramref name="sql"/> prepared on this session's own connection handle and
        /// kept with it; null on other providers (use <see cref="Command"/>). Parameters are bound by index, in the
        /// order <paramref name="parameters"/> names them, and rows are read from SQLite's own column buffers.
        /// </summary>
        public SqliteStatement? Statement(string sql, IReadOnlyList<string> parameters)
        {
            if (!Keep || connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite)
            {
                return null;
            }

            if (!statements.TryGetValue(sql, out var statement))
            {
                statement = new SqliteStatement(sqlite, sql, parameters);
                statements[sql] = statement;
            }

            return statement;
        }

        /// <summary>Runs <paramref name="statement"/> (from <see cref="Statement"/>) over <paramref name="values"/>; any failure retires this connection.</summary>
        public void Query(SqliteStatement statement, ReadOnlySpan<object?> values, Action<nint> row)
        {
            try
            {
                statement.Query(values, row);
            }
            catch
            {
                Broken = true;
                throw;
            }
        }

        /// <summary>Runs <paramref name="read"/> over the command's reader; any failure retires this connection.</summary>
        public async Task<T> ReadAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                return read(reader);
            }
            catch
            {
                Broken = true;
                throw;
            }
            finally
            {
                if (!Keep)
                {
                    await command.DisposeAsync();
                }
            }
        }

        public void Dispose() => owner.Return(this);

        internal void Close()
        {
            // The raw statements first: they belong to the connection's handle.
            foreach (var statement in statements.Values)
            {
                statement.Dispose();
            }

            statements.Clear();
            foreach (var command in commands.Values)
            {
                command.Dispose();
            }

            commands.Clear();
            connection.Dispose();
        }
    }
}
