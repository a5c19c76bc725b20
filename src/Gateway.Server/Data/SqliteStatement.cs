using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Server.Data;

/// <summary>
/// One statement prepared on a Microsoft.Data.Sqlite connection's own handle and run through SQLite's API,
/// with its parameters bound by index. <see cref="PreparedCommand"/> uses it on SQLite for the bulk writers'
/// single-row statements, and <see cref="StatementCache"/> for the per-call reads (GetShipment, the caller's
/// agency). Through the provider, every execution looked each parameter up by name in the
/// statement (a linear scan: an upsert of 31 columns compares some 500 names), re-encoded every string
/// from UTF-16 through a managed detour, and built a data reader even for an INSERT
/// (docs/performance.md, "Ingest", decision 89).
/// </summary>
/// <remarks>
/// Values are stored exactly as Microsoft.Data.Sqlite stores them (integers, REAL, UTF-8 text, BLOBs, a
/// DateTime as <see cref="SqliteEngine.ProviderTimeFormat"/> text); a type the provider would convert in
/// some other way is refused rather than stored differently. The statement runs inside whatever
/// transaction the connection has open, like any other statement on it.
/// </remarks>
internal sealed unsafe partial class SqliteStatement : IDisposable
{
    // SQLITE_TRANSIENT: SQLite copies the bytes, so the scratch buffer can be reused at once.
    private static readonly nint Transient = -1;

    // A non-null pointer for empty text or an empty BLOB: a null one would bind SQL NULL instead.
    private static readonly byte* Empty = (byte*)NativeMemory.AllocZeroed(1);

    private readonly sqlite3 database;
    private readonly sqlite3_stmt statement;
    private readonly int[] indexes;
    private byte[] scratch = new byte[256];

    /// <param name="parameterNames">The parameters in the order their values will be given (with '@').</param>
    public SqliteStatement(SqliteConnection connection, string sql, IReadOnlyList<string> parameterNames)
    {
        database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteEngine.Check(database, raw.sqlite3_prepare_v2(database, sql, out statement));
        indexes = new int[parameterNames.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            // 0 when the statement does not use a given parameter: its value is then never bound (as with the provider).
            indexes[i] = raw.sqlite3_bind_parameter_index(statement, parameterNames[i]);
        }

        var unnamed = raw.sqlite3_bind_parameter_count(statement) - indexes.Count(i => i > 0);
        if (unnamed != 0)
        {
            throw new InvalidOperationException($"The statement has {unnamed} parameter(s) without a value: {sql}");
        }
    }

    /// <summary>Runs the statement to its end; the number of rows it changed.</summary>
    public int Execute(ReadOnlySpan<object?> values)
    {
        Bind(values);
        return Execute();
    }

    /// <summary>
    /// Runs the statement with the values bound so far by <see cref="BindUtf8"/> and <see cref="BindInt64"/>
    /// (for a caller that already holds the UTF-8 bytes: the audit writer binds what it has just hashed).
    /// </summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(statement);
        // Reset whatever happened: a failed step leaves the statement unusable until it is reset.
        raw.sqlite3_reset(statement);
        if (rc is not (raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            throw SqliteEngine.Failure(database, rc);
        }

        return raw.sqlite3_changes(database);
    }

    /// <summary>The first column of the first row (long, double, string or byte[]), or null for SQL NULL or no row.</summary>
    public object? Scalar(ReadOnlySpan<object?> values)
    {
        Bind(values);
        try
        {
            var rc = raw.sqlite3_step(statement);
            return rc switch
            {
                raw.SQLITE_DONE => null,
                raw.SQLITE_ROW => raw.sqlite3_column_type(statement, 0) switch
                {
                    raw.SQLITE_INTEGER => raw.sqlite3_column_int64(statement, 0),
                    raw.SQLITE_FLOAT => raw.sqlite3_column_double(statement, 0),
                    raw.SQLITE_TEXT => raw.sqlite3_column_text(statement, 0).utf8_to_string(),
                    raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, 0).ToArray(),
                    _ => null,
                },
                _ => throw SqliteEngine.Failure(database, rc),
            };
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    /// <summary>
    /// Runs the statement bound to <paramref name="values"/> and hands each result row to <paramref name="row"/>
    /// as the statement's pointer (read its columns before returning: they are valid until the next step).
    /// </summary>
    public void Query(ReadOnlySpan<object?> values, Action<nint> row)
    {
        Bind(values);
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                row(statement.DangerousGetHandle());
            }

            if (rc != raw.SQLITE_DONE)
            {
                throw SqliteEngine.Failure(database, rc);
            }
        }
        finally
        {
            // Ends the statement's read transaction, and leaves it ready for the next call whatever happened.
            raw.sqlite3_reset(statement);
        }
    }

    public void Dispose() => statement.Dispose();

    private void Bind(ReadOnlySpan<object?> values)
    {
        // The SafeHandle field keeps the statement alive; the binds use its pointer (as ExportRows does).
        var s = statement.DangerousGetHandle();
        for (var i = 0; i < indexes.Length; i++)
        {
            if (indexes[i] > 0)
            {
                SqliteEngine.Check(database, Bind(s, indexes[i], values[i]));
            }
        }
    }

    private int Bind(nint s, int index, object? value) => value switch
    {
        null or DBNull => BindNull(s, index),
        string text => BindText(s, index, text),
        long n => BindInt64(s, index, n),
        int n => BindInt64(s, index, n),
        short n => BindInt64(s, index, n),
        byte n => BindInt64(s, index, n),
        bool b => BindInt64(s, index, b ? 1 : 0),
        double d => BindDouble(s, index, d),
        float f => BindDouble(s, index, f),
        byte[] blob => BindBlob(s, index, blob),
        DateTime time => BindTime(s, index, time),
        _ => throw new NotSupportedException(
            $"{value.GetType()} is not bound through SQLite's API here; the provider would store it in a form of its own."),
    };

    private int BindText(nint s, int index, string text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        }

        length = Encoding.UTF8.GetBytes(text, scratch);
        fixed (byte* bytes = scratch)
        {
            return BindText(s, index, length == 0 ? Empty : bytes, length, Transient);
        }
    }

    private int BindTime(nint s, int index, DateTime time)
    {
        // Microsoft.Data.Sqlite's text for a DateTime, so the value compares with what the provider stored.
        Span<byte> text = stackalloc byte[32];
        if (!time.TryFormat(text, out var length, SqliteEngine.ProviderTimeFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A time did not fit its buffer.");
        }

        fixed (byte* bytes = text)
        {
            return BindText(s, index, bytes, length, Transient);
        }
    }

    /// <summary>Binds UTF-8 text as it is to the parameter at <paramref name="ordinal"/> (SQLite copies it); empty text is '', not NULL.</summary>
    public void BindUtf8(int ordinal, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* bytes = utf8)
        {
            SqliteEngine.Check(database, BindText(statement.DangerousGetHandle(), Index(ordinal), bytes == null ? Empty : bytes, utf8.Length, Transient));
        }
    }

    /// <summary>Binds an integer to the parameter at <paramref name="ordinal"/>.</summary>
    public void BindInt64(int ordinal, long value) =>
        SqliteEngine.Check(database, BindInt64(statement.DangerousGetHandle(), Index(ordinal), value));

    private int Index(int ordinal) =>
        indexes[ordinal] > 0 ? indexes[ordinal] : throw new InvalidOperationException($"The statement does not use parameter {ordinal}.");

    private static int BindBlob(nint s, int index, byte[] blob)
    {
        fixed (byte* bytes = blob)
        {
            return BindBlob(s, index, blob.Length == 0 ? Empty : bytes, blob.Length, Transient);
        }
    }

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_bind_text")]
    private static partial int BindText(nint statement, int index, byte* text, int length, nint destructor);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_bind_blob")]
    private static partial int BindBlob(nint statement, int index, byte* blob, int length, nint destructor);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_bind_int64")]
    private static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_bind_double")]
    private static partial int BindDouble(nint statement, int index, double value);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_bind_null")]
    private static partial int BindNull(nint statement, int index);
}
