using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SQLitePCL;

namespace Gateway.Server.Shipments;

/// <summary>
/// A row of a SQLite statement (prepared and stepped through SQLitePCL's raw API): text columns as the
/// UTF-8 bytes SQLite holds (valid until the next step), no managed string. The column reads call
/// e_sqlite3 — the library SQLitePCL loaded — directly on the statement pointer: SQLitePCL's own calls
/// go through an interface and marshal the statement's SafeHandle (an interlocked add/release) and a GC
/// transition on each of the ~75–125 calls per record. The caller keeps the statement's SafeHandle
/// alive (and undisposed) while it reads rows.
/// </summary>
internal readonly unsafe partial struct SqliteExportRow(nint statement) : IExportRow
{
    public bool IsNull(int ordinal) => ColumnType(statement, ordinal) == raw.SQLITE_NULL;

    // column_blob on a TEXT value returns its bytes unconverted (the database encoding is UTF-8);
    // column_bytes after it, as SQLite's documentation prescribes.
    public ReadOnlySpan<byte> Text(int ordinal)
    {
        var pointer = ColumnBlob(statement, ordinal);
        return pointer == 0 ? default : new ReadOnlySpan<byte>((void*)pointer, ColumnBytes(statement, ordinal));
    }

    public int Int32(int ordinal) => checked((int)ColumnInt64(statement, ordinal));

    public long Int64(int ordinal) => ColumnInt64(statement, ordinal);

    // Reads of the current row: short, non-blocking, no callbacks into .NET, so no GC transition is needed.
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_column_blob"), SuppressGCTransition]
    private static partial nint ColumnBlob(nint statement, int index);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_column_bytes"), SuppressGCTransition]
    private static partial int ColumnBytes(nint statement, int index);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_column_type"), SuppressGCTransition]
    private static partial int ColumnType(nint statement, int index);

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    private static partial long ColumnInt64(nint statement, int index);

    /// <summary>
    /// The provider's text format parsed from the bytes; anything else as Microsoft.Data.Sqlite's
    /// GetDateTime reads text (invariant DateTime.Parse, local → UTC). The gateway never stores
    /// timestamps as Julian day numbers.
    /// </summary>
    public DateTime Time(int ordinal)
    {
        if (ColumnType(statement, ordinal) != raw.SQLITE_TEXT)
        {
            throw new InvalidOperationException("A timestamp column holds a value that is not text.");
        }

        var text = Text(ordinal);
        if (TryParseSqliteText(text, out var value))
        {
            return value;
        }

        var parsed = DateTime.Parse(Encoding.UTF8.GetString(text), CultureInfo.InvariantCulture);
        return parsed.Kind == DateTimeKind.Local ? parsed.ToUniversalTime() : parsed;
    }

    /// <summary>
    /// SQLite keeps timestamps as text, "yyyy-MM-dd HH:mm:ss[.fffffff]" as the provider writes them; the
    /// provider's culture-aware DateTime.Parse was a tenth of the read time. Anything else falls back to it.
    /// </summary>
    /// <remarks>Over the UTF-8 bytes SQLite holds: no string is made.</remarks>
    internal static bool TryParseSqliteText(ReadOnlySpan<byte> text, out DateTime value)
    {
        value = default;
        if (text.Length < 19 || text.Length == 20 || text.Length > 27 || At(text, 4) != '-' || At(text, 7) != '-'
            || (At(text, 10) != ' ' && At(text, 10) != 'T') || At(text, 13) != ':' || At(text, 16) != ':' || (text.Length > 19 && At(text, 19) != '.'))
        {
            return false;
        }

        int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2), hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
        var ticks = 0;
        if (text.Length > 19)
        {
            ticks = Digits(text, 20, text.Length - 20);
            for (var i = text.Length - 20; i < 7; i++)
            {
                ticks *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59 || ticks < 0)
        {
            return false;
        }

        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
        return true;
    }

    private static int At(ReadOnlySpan<byte> text, int index) => text[index];

    private static int Digits(ReadOnlySpan<byte> text, int start, int count)
    {
        var n = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = At(text, i) - '0';
            if ((uint)d > 9)
            {
                return -1;
            }

            n = (n * 10) + d;
        }

        return n;
    }
}

/// <summary>A row of any provider's data reader, its strings encoded to UTF-8 into one scratch buffer.</summary>
internal readonly struct DataReaderExportRow(DbDataReader reader, DataReaderExportRow.Scratch scratch) : IExportRow
{
    public bool IsNull(int ordinal) => reader.IsDBNull(ordinal);

    public ReadOnlySpan<byte> Text(int ordinal)
    {
        var value = reader.GetString(ordinal);
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (scratch.Buffer.Length < max)
        {
            scratch.Buffer = new byte[Math.Max(max, scratch.Buffer.Length * 2)];
        }

        return scratch.Buffer.AsSpan(0, Encoding.UTF8.GetBytes(value, scratch.Buffer));
    }

    public int Int32(int ordinal) => reader.GetInt32(ordinal);

    public long Int64(int ordinal) => reader.GetInt64(ordinal);

    public DateTime Time(int ordinal) => reader.GetDateTime(ordinal);

    internal sealed class Scratch
    {
        public byte[] Buffer { get; set; } = new byte[1024];
    }
}
