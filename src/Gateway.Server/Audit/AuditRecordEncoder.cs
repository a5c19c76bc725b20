using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Server.Audit;

/// <summary>
/// Writes a record's canonical encoding (<see cref="AuditCanonical"/>: every field as UTF-8 preceded by
/// its byte length, 4 bytes big-endian) into one reusable buffer, and remembers where each field's bytes
/// are. The SQLite writer binds those same bytes after hashing them, instead of building a string per
/// number and time and encoding every string a second time. One instance per thread: not thread-safe.
/// </summary>
internal sealed class AuditRecordEncoder
{
    /// <summary>The fields in canonical order.</summary>
    public enum Field
    {
        Domain, Sequence, Time, AgencyId, ClientId, CertificateThumbprint, OfficerId, Rpc, LegalBasis,
        CaseReference, StatementOfReasons, RequestSummary, StatusCode, RecordsReturned, RecordsDigest, PreviousHash,
    }

    private static readonly int FieldCount = Enum.GetValues<Field>().Length;

    [ThreadStatic]
    private static AuditRecordEncoder? perThread;

    private readonly (int Offset, int Length)[] fields = new (int, int)[FieldCount];
    private byte[] buffer = new byte[1024];
    private int length;

    /// <summary>An encoder for the calling thread (the verifier hashes millions of records).</summary>
    public static AuditRecordEncoder ForThisThread => perThread ??= new AuditRecordEncoder();

    /// <summary>The encoding of the last record.</summary>
    public ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, length);

    /// <summary>One field's UTF-8 bytes within <see cref="Bytes"/>.</summary>
    public ReadOnlySpan<byte> this[Field field] => buffer.AsSpan(fields[(int)field].Offset, fields[(int)field].Length);

    /// <summary>Encodes the record as it stands (its own sequence and previous hash).</summary>
    public void Encode(AuditRecordRow r) => Encode(r, r.Sequence, r.PreviousHash);

    /// <summary>Encodes the record with the sequence and previous hash the writer is about to give it.</summary>
    public void Encode(AuditRecordRow r, long sequence, string previousHash)
    {
        length = 0;
        Text(Field.Domain, AuditCanonical.RecordDomain);
        Number(Field.Sequence, sequence);
        Time(r.Time);
        Text(Field.AgencyId, r.AgencyId);
        Text(Field.ClientId, r.ClientId);
        Text(Field.CertificateThumbprint, r.CertificateThumbprint);
        Text(Field.OfficerId, r.OfficerId);
        Text(Field.Rpc, r.Rpc);
        Text(Field.LegalBasis, r.LegalBasis);
        Text(Field.CaseReference, r.CaseReference);
        Text(Field.StatementOfReasons, r.StatementOfReasons);
        Text(Field.RequestSummary, r.RequestSummary);
        Number(Field.StatusCode, r.StatusCode);
        Number(Field.RecordsReturned, r.RecordsReturned);
        Text(Field.RecordsDigest, r.RecordsDigest);
        Text(Field.PreviousHash, previousHash);
    }

    /// <summary>Lower-case hex SHA-256 of <see cref="Bytes"/>.</summary>
    public string Hash()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Bytes, digest);
        return Convert.ToHexStringLower(digest);
    }

    private void Text(Field field, string value)
    {
        Reserve(Encoding.UTF8.GetMaxByteCount(value.Length));
        // Encoding.UTF8 replaces a lone surrogate with U+FFFD, exactly as AuditCanonical.Encode does.
        Close(field, Encoding.UTF8.GetBytes(value, buffer.AsSpan(length + 4)));
    }

    private void Number(Field field, long value)
    {
        Reserve(20);
        if (!value.TryFormat(buffer.AsSpan(length + 4), out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A number did not fit its reserved space.");
        }

        Close(field, written);
    }

    private void Time(DateTime time)
    {
        Reserve(32);
        if (!DateTime.SpecifyKind(time, DateTimeKind.Utc).TryFormat(buffer.AsSpan(length + 4), out var written, AuditCanonical.TimeFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A time did not fit its reserved space.");
        }

        Close(Field.Time, written);
    }

    private void Reserve(int bytes)
    {
        var needed = length + 4 + bytes;
        if (needed > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
        }
    }

    private void Close(Field field, int written)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(length), written);
        fields[(int)field] = (length + 4, written);
        length += 4 + written;
    }
}
