using System.Data.Common;
using System.Globalization;
using System.Text;
using SQLitePCL;

namespace Gateway.Server.Shipments;

/// <summary>
/// A row of a SQLite statement read through SQLitePCL's raw API: text columns as the UTF-8 bytes SQLite
/// holds (valid until the next step), no managed string, no data reader bookkeeping per value.
/// </summary>
internal readonly struct SqliteExportRow(sqlite3_stmt statement) : IExportRow
{
    public bool IsNull(int ordinal) => raw.sqlite3_column_type(statement, ordinal) == raw.SQLITE_NULL;

    // column_blob on a TEXT value returns its bytes unconverted (the database encoding is UTF-8).
    public ReadOnlySpan<byte> Text(int ordinal) => raw.sqlite3_column_blob(statement, ordinal);

    public int Int32(int ordinal) => checked((int)raw.sqlite3_column_int64(statement, ordinal));

    public long Int64(int ordinal) => raw.sqlite3_column_int64(statement, ordinal);

    /// <summary>
    /// The provider's text format parsed from the bytes; anything else as Microsoft.Data.Sqlite's
    /// GetDateTime reads text (invariant DateTime.Parse, local → UTC). The gateway never stores
    /// timestamps as Julian day numbers.
    /// </summary>
    public DateTime Time(int ordinal)
    {
        if (raw.sqlite3_column_type(statement, ordinal) != raw.SQLITE_TEXT)
        {
            throw new InvalidOperationException("A timestamp column holds a value that is not text.");
        }

        var text = Text(ordinal);
        if (ShipmentExportReader.TryParseSqliteText(text, out var value))
        {
            return value;
        }

        var parsed = DateTime.Parse(Encoding.UTF8.GetString(text), CultureInfo.InvariantCulture);
        return parsed.Kind == DateTimeKind.Local ? parsed.ToUniversalTime() : parsed;
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
