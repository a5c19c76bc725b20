using System.Buffers;

namespace Gateway.Server.Shipments;

/// <summary>
/// A growable buffer that writes protobuf wire format the way Google.Protobuf's generated WriteTo does
/// (fields in number order, proto3 defaults omitted, minimal varints), so a batch assembled here is
/// byte-for-byte what serialising the equivalent generated messages would give. Nested messages are
/// written in place: <see cref="Begin"/> reserves one length byte and <see cref="End"/> widens it when
/// the body turned out longer than 127 bytes (one move of the body, once per shipment at most).
/// The buffer comes from the array pool; <see cref="Dispose"/> returns it.
/// </summary>
internal sealed class ProtoBuffer(int capacity = 64 * 1024) : IDisposable
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(capacity);
    private int position;

    public ReadOnlySpan<byte> Written => buffer.AsSpan(0, position);

    public void Clear() => position = 0;

    /// <summary>A string or bytes field; empty values are omitted, as proto3 does.</summary>
    public void String(int field, ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return;
        }

        Tag(field, 2);
        Varint((uint)utf8.Length);
        Raw(utf8);
    }

    /// <summary>An int32 field (negative values take ten bytes, as in protobuf); zero is omitted.</summary>
    public void Int32(int field, int value)
    {
        if (value != 0)
        {
            Tag(field, 0);
            Varint((ulong)(long)value);
        }
    }

    /// <summary>An int64 field; zero is omitted.</summary>
    public void Int64(int field, long value)
    {
        if (value != 0)
        {
            Tag(field, 0);
            Varint((ulong)value);
        }
    }

    /// <summary>A google.protobuf.Timestamp field (always present when set, even if zero).</summary>
    public void Timestamp(int field, long seconds, int nanos)
    {
        var start = Begin(field);
        Int64(1, seconds);
        Int32(2, nanos);
        End(start);
    }

    /// <summary>Starts a nested message field; returns the body's start for <see cref="End"/>.</summary>
    public int Begin(int field)
    {
        Tag(field, 2);
        Ensure(1);
        position++;
        return position;
    }

    /// <summary>Writes the length of the nested message started at <paramref name="start"/>.</summary>
    public void End(int start)
    {
        var length = position - start;
        if (length < 0x80)
        {
            buffer[start - 1] = (byte)length;
            return;
        }

        var extra = VarintSize((uint)length) - 1;
        Ensure(extra);
        Buffer.BlockCopy(buffer, start, buffer, start + extra, length);
        position = start - 1;
        Varint((uint)length);
        position = start + extra + length;
    }

    /// <summary>Bytes already in wire format (a pre-encoded message or field).</summary>
    public void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(position));
        position += bytes.Length;
    }

    private void Tag(int field, int wireType) => Varint((uint)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
    }

    public void Dispose()
    {
        var rented = buffer;
        buffer = [];
        position = 0;
        if (rented.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int VarintSize(uint value) => value switch
    {
        < 1u << 7 => 1,
        < 1u << 14 => 2,
        < 1u << 21 => 3,
        < 1u << 28 => 4,
        _ => 5,
    };

    private void Ensure(int more)
    {
        if (position + more <= buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, position + more));
        buffer.AsSpan(0, position).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = larger;
    }
}
