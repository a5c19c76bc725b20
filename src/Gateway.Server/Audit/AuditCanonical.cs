using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Server.Audit;

/// <summary>
/// The canonical encoding of an audit record and of a checkpoint: what is hashed and signed.
/// Documented byte for byte in docs/audit.md so a third party can re-implement verification.
/// Every field is written as a UTF-8 string preceded by its byte length (4 bytes, big-endian):
/// length prefixes make the encoding unambiguous ("ab"+"c" and "a"+"bc" differ), and text for
/// numbers and times avoids any dependence on an engine's binary formats.
/// </summary>
internal static class AuditCanonical
{
    public const string RecordDomain = "gateway.audit.record.v1";
    public const string CheckpointDomain = "gateway.audit.checkpoint.v1";
    public const string DigestDomain = "gateway.audit.records.v1";

    /// <summary>Time as text: ISO 8601 UTC with exactly six fractional digits.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string FormatTime(DateTime time) =>
        DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Audit times are whole microseconds: PostgreSQL stores no finer, so the hash survives any engine.</summary>
    public static DateTime TruncateToMicroseconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % 10), DateTimeKind.Utc);

    /// <summary>
    /// Domain, sequence, time, agency, client, certificate thumbprint, officer, RPC, legal basis, case
    /// reference, statement of reasons, request summary, status code, records returned, records digest,
    /// previous hash: encoded by <see cref="AuditRecordEncoder"/>, which <see cref="Encode"/>'s rule defines.
    /// </summary>
    public static byte[] RecordBytes(AuditRecordRow r)
    {
        var encoder = AuditRecordEncoder.ForThisThread;
        encoder.Encode(r);
        return encoder.Bytes.ToArray();
    }

    /// <summary>Lower-case hex SHA-256 of the canonical encoding (which includes the previous hash).</summary>
    public static string Hash(AuditRecordRow r)
    {
        var encoder = AuditRecordEncoder.ForThisThread;
        encoder.Encode(r);
        return encoder.Hash();
    }

    public static byte[] CheckpointBytes(long sequence, string headHash, DateTime createdAt) => Encode(
        CheckpointDomain,
        sequence.ToString(CultureInfo.InvariantCulture),
        headHash,
        FormatTime(createdAt));

    /// <summary>Digest of the ids returned by a call, in the order they were sent; empty when none were.</summary>
    /// <remarks>The hash of <c>Encode([DigestDomain, .. ids])</c>, written into a pooled buffer: every audited call computes one.</remarks>
    public static string RecordsDigest(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return "";
        }

        var size = FieldSize(DigestDomain);
        for (var i = 0; i < ids.Count; i++)
        {
            size += FieldSize(ids[i]);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var offset = WriteField(buffer, 0, DigestDomain);
            for (var i = 0; i < ids.Count; i++)
            {
                offset = WriteField(buffer, offset, ids[i]);
            }

            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, offset), digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] Encode(params string[] fields)
    {
        var size = 0;
        foreach (var field in fields)
        {
            size += FieldSize(field);
        }

        var buffer = new byte[size];
        var offset = 0;
        foreach (var field in fields)
        {
            offset = WriteField(buffer, offset, field);
        }

        return buffer;
    }

    private static int FieldSize(string field) => 4 + Encoding.UTF8.GetByteCount(field);

    /// <summary>The field's UTF-8 bytes after their length (4 bytes, big-endian); returns the offset after them.</summary>
    private static int WriteField(byte[] buffer, int offset, string field)
    {
        var length = Encoding.UTF8.GetBytes(field, buffer.AsSpan(offset + 4));
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset), length);
        return offset + 4 + length;
    }
}
