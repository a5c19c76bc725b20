using System.Text;
using System.Text.Json;
using Gateway.Contracts.V1;

namespace Gateway.Server.Shipments;

/// <summary>
/// One joined row of an export batch as the encoder reads it: UTF-8 text as it is stored, integers,
/// timestamps. SQLite rows come straight from the statement (<see cref="SqliteExportRow"/>), other
/// providers' through their data reader (<see cref="DataReaderExportRow"/>): one encoder, two readers.
/// </summary>
internal interface IExportRow
{
    bool IsNull(int ordinal);

    /// <summary>The column's text as UTF-8; valid until the next call of Text on this row.</summary>
    ReadOnlySpan<byte> Text(int ordinal);

    int Int32(int ordinal);

    long Int64(int ordinal);

    /// <summary>A stored timestamp (stored without a zone: UTC by convention).</summary>
    DateTime Time(int ordinal);
}

/// <summary>
/// Which columns an export statement selects, by subset, and where each group starts. Only the columns
/// of the requested subsets are selected: a party the caller may not see never leaves the database, and
/// without SHIPMENT_CORE neither do the core columns nor the goods.
/// </summary>
internal sealed record ExportLayout(bool Core, bool Parties, bool Listings)
{
    public static ExportLayout For(IReadOnlySet<DataSubset> subsets) => new(
        subsets.Contains(DataSubset.ShipmentCore), subsets.Contains(DataSubset.ShipmentParties), subsets.Contains(DataSubset.Listings));

    // Ordinal 0 is always shipment_id; the core columns follow it in this order.
    public const string CoreColumns = """
        , s.tracking_number, s.mrn, s.platform_order_id, s.seller_id, s.origin_country, s.destination_country,
        s.countries_of_routing, s.carrier, s.transport_mode, s.declared_at, s.shipped_at, s.risk_score, s.risk_reasons, s.scored_at
        """;

    public const string PartyColumns = """
        , s.consignor_name, s.consignor_address, s.consignor_postcode, s.consignor_city, s.consignor_country, s.consignor_email,
        s.consignor_phone, s.consignor_eori, s.consignee_name, s.consignee_address, s.consignee_postcode, s.consignee_city,
        s.consignee_country, s.consignee_email, s.consignee_phone, s.consignee_eori
        """;

    public const string GoodsColumns = """
        , g.line_no, g.description, g.hs_code, g.quantity, g.gross_mass_grams, g.value_minor, g.currency,
        g.country_of_origin, g.brand, g.listing_id
        """;

    public const string ListingColumns = ", l.listing_id AS listing_ref, l.title, l.url";

    public int PartiesAt => Core ? 15 : 1;

    public int GoodsAt => PartiesAt + (Parties ? 16 : 0);

    public int ListingAt => GoodsAt + (Core ? 10 : 0);

    /// <summary>Goods are joined for their lines (core) or for their listing ids (listings).</summary>
    public bool JoinsGoods => Core || Listings;

    /// <summary>
    /// SQLite, a single-country walk that joins goods: the joined rows in (shipment, goods line) order straight
    /// from the indexes. The walk's index is unique (M0990), so SQLite's planner knows the ORDER BY is already
    /// satisfied and neither materialises the page nor sorts its joined rows, as it does for <see cref="Sql"/>'s
    /// derived table (decision 88). There is no LIMIT, since a limit would count joined rows and the page is
    /// counted in shipments: the reader stops stepping after its last shipment. Without a LIMIT a sort would
    /// cover every remaining row of the export, on every page, so CROSS JOIN (SQLite's way of fixing the join
    /// order) keeps the country walk outermost whatever the filter. ExportWalkPlanTests checks every filter:
    /// at most a shipment's own goods lines are sorted (when a filter lets SQLite find the shipment through
    /// another index), never the result.
    /// </summary>
    public string WalkSql(IReadOnlyList<string> conditions)
    {
        // Locals, not expressions, in the holes: the SQL census (tests) parses each literal with them as names.
        var columns = ShipmentColumns + (Core ? GoodsColumns : "") + (Listings ? ListingColumns : "");
        const string walk = "shipment_countries jc CROSS JOIN shipments s";
        return Listings
            ? $"""
                SELECT {columns}
                FROM {walk}
                LEFT JOIN shipment_goods g ON g.shipment_id = s.shipment_id
                LEFT JOIN listings l ON l.listing_id = g.listing_id
                WHERE s.shipment_id = jc.shipment_id
                  AND {string.Join("\n  AND ", conditions)}
                ORDER BY jc.shipment_id, g.line_no
                """
            : $"""
                SELECT {columns}
                FROM {walk}
                LEFT JOIN shipment_goods g ON g.shipment_id = s.shipment_id
                WHERE s.shipment_id = jc.shipment_id
                  AND {string.Join("\n  AND ", conditions)}
                ORDER BY jc.shipment_id, g.line_no
                """;
    }

    public string ShipmentColumns => "s.shipment_id" + (Core ? CoreColumns : "") + (Parties ? PartyColumns : "");

    /// <summary>
    /// The statement: the keyset page as a derived table with its own ORDER BY + limit, so the join
    /// multiplies rows only for this page's shipments; the outer ORDER BY keeps a shipment's lines together.
    /// </summary>
    /// <param name="orderBy">The page's order; the keyset order (shipment id) unless given (GetShipment: newest first).</param>
    public string Sql(Data.SqlDialect dialect, IReadOnlyList<string> conditions, string limit, bool walkCountry, string? orderBy = null)
    {
        // Locals, not expressions, in the holes: the SQL census (tests) parses each literal with them as names.
        var columns = ShipmentColumns;
        var from = walkCountry ? ShipmentQueries.CountryWalk : "shipments s";
        var order = orderBy ?? (walkCountry ? "jc.shipment_id" : "s.shipment_id");
        if (!JoinsGoods)
        {
            return $"""
                SELECT {columns} FROM {from}
                WHERE {string.Join("\n  AND ", conditions)}
                ORDER BY {order}
                {dialect.Limit(limit)}
                """;
        }

        var joined = "s.*" + (Core ? GoodsColumns : "") + (Listings ? ListingColumns : "");
        return Listings
            ? $"""
                SELECT {joined}
                FROM (SELECT {columns} FROM {from}
                      WHERE {string.Join("\n  AND ", conditions)}
                      ORDER BY {order}
                      {dialect.Limit(limit)}) s
                LEFT JOIN shipment_goods g ON g.shipment_id = s.shipment_id
                LEFT JOIN listings l ON l.listing_id = g.listing_id
                ORDER BY s.shipment_id, g.line_no
                """
            : $"""
                SELECT {joined}
                FROM (SELECT {columns} FROM {from}
                      WHERE {string.Join("\n  AND ", conditions)}
                      ORDER BY {order}
                      {dialect.Limit(limit)}) s
                LEFT JOIN shipment_goods g ON g.shipment_id = s.shipment_id
                ORDER BY s.shipment_id, g.line_no
                """;
    }
}

/// <summary>
/// Joined rows → one ShipmentBatch in protobuf wire format, written as the rows arrive: each column's
/// UTF-8 bytes go into the message as they come from the database, no Shipment objects or strings
/// (except each record's id, which the audit record lists). The result decodes as the generated
/// <see cref="ShipmentBatch"/> and is byte-identical to serialising the messages the contract mapping
/// (ShipmentMapping) builds — ExportEquivalenceTests holds it to that.
/// </summary>
internal sealed class ShipmentBatchEncoder(ExportLayout layout, int take) : IDisposable
{
    private const int ShipmentField = 1;
    private const int ResumeTokenField = 2;
    private const long BclSecondsAtUnixEpoch = 62_135_596_800;

    // Sized for a full batch (≈ 260 bytes a record with core only, ≈ 590 with parties and listings), so the
    // buffer is rarely copied to grow.
    private readonly ProtoBuffer batch = new(take * (layout.Parties || layout.Listings ? 640 : 320));
    private readonly ProtoBuffer risk = new(512);
    private readonly List<string> ids = new(take);
    private readonly List<(int Id, int IdLength, int Title, int TitleLength, int Url, int UrlLength)> listings = [];
    // Grown when a record first has listings: GetShipment builds an encoder per call, and without listings it needs none.
    private byte[] listingBytes = [];
    private int listingLength;
    private byte[] currentId = new byte[64];
    private byte[] unescaped = [];
    private const int StackUnescaped = 1024;
    private int currentIdLength = -1;
    private int shipmentStart = -1;
    private bool hasRisk;
    private bool handedOff;

    public int Count => ids.Count;

    public string? LastId => ids.Count == 0 ? null : ids[^1];

    /// <summary>True when the row belongs to a shipment other than the one being written (or to the first).</summary>
    public bool StartsShipment<TRow>(TRow row) where TRow : IExportRow =>
        currentIdLength < 0 || !row.Text(0).SequenceEqual(currentId.AsSpan(0, currentIdLength));

    public void Add<TRow>(TRow row) where TRow : IExportRow
    {
        if (StartsShipment(row))
        {
            FinishShipment();
            StartShipment(row, row.Text(0));
        }

        if (layout.Core && !row.IsNull(layout.GoodsAt))
        {
            var at = layout.GoodsAt;
            var item = batch.Begin(15);
            batch.String(1, row.Text(at + 1));
            batch.String(2, row.Text(at + 2));
            batch.Int32(3, row.Int32(at + 3));
            batch.Int64(4, row.Int64(at + 4));
            var money = batch.Begin(5);
            batch.Int64(1, row.Int64(at + 5));
            batch.String(2, row.Text(at + 6));
            batch.End(money);
            batch.String(6, row.Text(at + 7));
            batch.String(7, row.Text(at + 8));
            batch.String(8, row.Text(at + 9));
            batch.End(item);
        }

        if (layout.Listings && !row.IsNull(layout.ListingAt))
        {
            AddListing(row);
        }
    }

    /// <summary>Closes the last record and appends the resume token; the batch is ready to send.</summary>
    public EncodedShipmentBatch Finish(string resumeToken)
    {
        FinishShipment();
        batch.String(ResumeTokenField, Encoding.UTF8.GetBytes(resumeToken));
        handedOff = true;
        return new EncodedShipmentBatch(batch, ids);
    }

    /// <summary>
    /// GetShipment: closes the one record written and returns it as a Shipment message of its own — the
    /// record's bytes inside the batch, without the batch's field header; null when no row was added.
    /// </summary>
    public EncodedShipment? FinishRecord()
    {
        if (ids.Count == 0)
        {
            return null;
        }

        if (ids.Count > 1)
        {
            throw new InvalidOperationException("The rows held more than one shipment.");
        }

        FinishShipment();
        // The batch is field 1 (one tag byte), the record's length as a varint, then the record.
        var written = batch.Written;
        var at = 1;
        while ((written[at++] & 0x80) != 0)
        {
        }

        handedOff = true;
        return new EncodedShipment(ids[0], batch, at);
    }

    public void Dispose()
    {
        risk.Dispose();
        if (!handedOff)
        {
            batch.Dispose();
        }
    }

    private void StartShipment<TRow>(TRow row, ReadOnlySpan<byte> id) where TRow : IExportRow
    {
        if (currentId.Length < id.Length)
        {
            currentId = new byte[id.Length * 2];
        }

        id.CopyTo(currentId);
        currentIdLength = id.Length;
        ids.Add(Encoding.UTF8.GetString(id));
        shipmentStart = batch.Begin(ShipmentField);
        // Without the core subset the id is still there to tell records apart (as in ShipmentMapping).
        batch.String(1, id);
        if (layout.Core)
        {
            batch.String(2, row.Text(1));
            batch.String(3, row.Text(2));
            batch.String(4, row.Text(3));
            batch.String(5, row.Text(4));
        }

        if (layout.Parties)
        {
            Party(row, 6, layout.PartiesAt);
            Party(row, 7, layout.PartiesAt + 8);
        }

        hasRisk = false;
        if (!layout.Core)
        {
            return;
        }

        batch.String(8, row.Text(5));
        batch.String(9, row.Text(6));
        Countries(row.Text(7));
        batch.String(11, row.Text(8));
        batch.String(12, row.Text(9));
        Timestamp(batch, 13, row.Time(10));
        Timestamp(batch, 14, row.Time(11));
        // Risk is field 16, after the goods (15) that the following rows carry: encoded now, appended at the end.
        if (!row.IsNull(12))
        {
            hasRisk = true;
            risk.Clear();
            var start = risk.Begin(16);
            risk.Int32(1, row.Int32(12));
            if (!row.IsNull(13))
            {
                Reasons(row.Text(13));
            }

            if (!row.IsNull(14))
            {
                Timestamp(risk, 3, row.Time(14));
            }

            risk.End(start);
        }
    }

    private void FinishShipment()
    {
        if (shipmentStart < 0)
        {
            return;
        }

        if (hasRisk)
        {
            batch.Raw(risk.Written);
        }

        if (listings.Count > 0)
        {
            // Distinct listings in listing id order, like the search path's SELECT DISTINCT … ORDER BY.
            // Byte order of UTF-8 is code point order, the same as ordinal order for the ASCII ids the platform issues.
            var bytes = listingBytes;
            if (listings.Count > 1)
            {
                listings.Sort((a, b) => bytes.AsSpan(a.Id, a.IdLength).SequenceCompareTo(bytes.AsSpan(b.Id, b.IdLength)));
            }

            foreach (var l in listings)
            {
                var start = batch.Begin(17);
                batch.String(1, bytes.AsSpan(l.Id, l.IdLength));
                batch.String(2, bytes.AsSpan(l.Title, l.TitleLength));
                batch.String(3, bytes.AsSpan(l.Url, l.UrlLength));
                batch.End(start);
            }

            listings.Clear();
            listingLength = 0;
        }

        batch.End(shipmentStart);
        shipmentStart = -1;
    }

    private void AddListing<TRow>(TRow row) where TRow : IExportRow
    {
        var at = layout.ListingAt;
        var id = Keep(row.Text(at));
        foreach (var l in listings)
        {
            if (listingBytes.AsSpan(l.Id, l.IdLength).SequenceEqual(listingBytes.AsSpan(id, listingLength - id)))
            {
                listingLength = id;
                return;
            }
        }

        var idLength = listingLength - id;
        var title = Keep(row.Text(at + 1));
        var titleLength = listingLength - title;
        var url = Keep(row.Text(at + 2));
        listings.Add((id, idLength, title, titleLength, url, listingLength - url));
    }

    /// <summary>Copies a listing value into this shipment's scratch bytes; returns where it starts.</summary>
    private int Keep(ReadOnlySpan<byte> value)
    {
        if (listingLength + value.Length > listingBytes.Length)
        {
            Array.Resize(ref listingBytes, Math.Max(Math.Max(listingBytes.Length * 2, 1024), listingLength + value.Length));
        }

        var start = listingLength;
        value.CopyTo(listingBytes.AsSpan(start));
        listingLength += value.Length;
        return start;
    }

    /// <summary>A consignor or consignee: eight columns from <paramref name="at"/>; the address is newline-separated.</summary>
    private void Party<TRow>(TRow row, int field, int at) where TRow : IExportRow
    {
        var start = batch.Begin(field);
        batch.String(1, row.Text(at));
        var address = row.Text(at + 1);
        while (!address.IsEmpty)
        {
            var end = address.IndexOf((byte)'\n');
            var line = end < 0 ? address : address[..end];
            batch.String(2, line); // empty lines are left out, as Split(RemoveEmptyEntries) does
            address = end < 0 ? default : address[(end + 1)..];
        }

        batch.String(3, row.Text(at + 2));
        batch.String(4, row.Text(at + 3));
        batch.String(5, row.Text(at + 4));
        batch.String(6, row.Text(at + 5));
        batch.String(7, row.Text(at + 6));
        batch.String(8, row.Text(at + 7));
        batch.End(start);
    }

    /// <summary>"DE,BE" → repeated field 10, entries trimmed, empty ones left out (as ShipmentMapping.SplitCountries).</summary>
    private void Countries(ReadOnlySpan<byte> value)
    {
        if (value.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            // Non-ASCII: let .NET decide what is white space, exactly as the contract mapping does.
            foreach (var country in ShipmentMapping.SplitCountries(Encoding.UTF8.GetString(value)))
            {
                batch.String(10, Encoding.UTF8.GetBytes(country));
            }

            return;
        }

        while (!value.IsEmpty)
        {
            var end = value.IndexOf((byte)',');
            var entry = (end < 0 ? value : value[..end]).Trim(" \t\n\v\f\r"u8);
            batch.String(10, entry);
            value = end < 0 ? default : value[(end + 1)..];
        }
    }

    private static void Timestamp(ProtoBuffer buffer, int field, DateTime time) =>
        buffer.Timestamp(field, (time.Ticks / TimeSpan.TicksPerSecond) - BclSecondsAtUnixEpoch, (int)(time.Ticks % TimeSpan.TicksPerSecond) * 100);

    /// <summary>
    /// The risk reasons JSON ([{code, detail, weight}]) read forward-only into repeated field 2 of the
    /// risk message, with the contract reader's rules: unknown properties skipped, null strings empty.
    /// Unescaped strings are copied as they are; escaped ones (System.Text.Json escapes non-ASCII) unescaped.
    /// </summary>
    private void Reasons(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return;
        }

        // Unescaped strings are never longer than the JSON they come from: one buffer that size holds them all,
        // on the stack for the usual few hundred bytes (GetShipment builds an encoder for every call).
        if (json.Length > StackUnescaped && unescaped.Length < json.Length)
        {
            unescaped = new byte[json.Length * 2];
        }

        Span<byte> buffer = json.Length <= StackUnescaped ? stackalloc byte[StackUnescaped] : unescaped;
        var free = buffer;
        // Scoped like the buffer: the strings it unescapes live no longer than this method.
        scoped var reader = new Utf8JsonReader(json);
        var inReason = false;
        scoped ReadOnlySpan<byte> code = default, detail = default;
        var weight = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    inReason = true;
                    code = detail = default;
                    weight = 0;
                    free = buffer;
                    break;
                case JsonTokenType.EndObject when inReason:
                    var start = risk.Begin(2);
                    risk.String(1, code);
                    risk.String(2, detail);
                    risk.Int32(3, weight);
                    risk.End(start);
                    inReason = false;
                    break;
                case JsonTokenType.PropertyName when inReason:
                    if (reader.ValueTextEquals("code"u8))
                    {
                        reader.Read();
                        code = StringValue(ref reader, ref free);
                    }
                    else if (reader.ValueTextEquals("detail"u8))
                    {
                        reader.Read();
                        detail = StringValue(ref reader, ref free);
                    }
                    else if (reader.ValueTextEquals("weight"u8))
                    {
                        reader.Read();
                        weight = reader.GetInt32();
                    }
                    else
                    {
                        reader.Read();
                        reader.TrySkip();
                    }

                    break;
            }
        }
    }

    /// <summary>A JSON string's UTF-8: as it stands, or unescaped into <paramref name="free"/> (which then shrinks).</summary>
    private static ReadOnlySpan<byte> StringValue(scoped ref Utf8JsonReader reader, scoped ref Span<byte> free)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return default;
            case JsonTokenType.String when !reader.ValueIsEscaped:
                return reader.ValueSpan;
            case JsonTokenType.String:
                // System.Text.Json escapes non-ASCII and quotes by default, so this is common.
                var length = reader.CopyString(free);
                var value = free[..length];
                free = free[length..];
                return value;
            default:
                // Throws on a non-string, just as the contract reader's GetString does.
                return Encoding.UTF8.GetBytes(reader.GetString() ?? "");
        }
    }
}

/// <summary>
/// GetShipment's answer already in wire format (a Shipment message: the encoder's pooled buffer from
/// <paramref name="start"/>), with the record's id for the audit record. The marshaller returns the buffer
/// to the pool once it has written it; an answer never written (the call failed after the handler) leaves
/// its buffer to the garbage collector, which the pool allows.
/// </summary>
internal sealed class EncodedShipment(string id, ProtoBuffer buffer, int start)
{
    public string Id => id;

    public ReadOnlySpan<byte> Bytes => buffer.Written[start..];

    private void Release() => buffer.Dispose();

    /// <summary>Writes the pre-encoded bytes as the response message (the wire type stays Shipment), then releases them.</summary>
    public static readonly global::Grpc.Core.Marshaller<EncodedShipment> Marshaller = new(
        static (shipment, context) =>
        {
            EncodedShipmentBatch.Write(shipment.Bytes, context);
            shipment.Release();
        },
        static _ => throw new NotSupportedException("The server only writes shipments."));
}

/// <summary>
/// A ShipmentBatch already in wire format, with the ids of its records in order (for the audit record).
/// Owns a pooled buffer: dispose it once it has been written to the transport.
/// </summary>
internal sealed class EncodedShipmentBatch(ProtoBuffer bytes, IReadOnlyList<string> ids) : IDisposable
{
    public IReadOnlyList<string> Ids => ids;

    public int Count => ids.Count;

    public ReadOnlySpan<byte> Bytes => bytes.Written;

    public void Dispose() => bytes.Dispose();

    /// <summary>
    /// Writes the pre-encoded bytes as the response message: the wire type stays ShipmentBatch, so
    /// clients decode it with the generated type. Nothing reads this type from the wire on the server.
    /// </summary>
    public static readonly global::Grpc.Core.Marshaller<EncodedShipmentBatch> Marshaller = new(
        static (batch, context) => Write(batch.Bytes, context),
        static _ => throw new NotSupportedException("The server only writes export batches."));

    /// <summary>Copies a message already in wire format into the response, in chunks the buffer writer can give.</summary>
    internal static void Write(ReadOnlySpan<byte> source, global::Grpc.Core.SerializationContext context)
    {
        context.SetPayloadLength(source.Length);
        var writer = context.GetBufferWriter();
        while (!source.IsEmpty)
        {
            var target = writer.GetSpan(Math.Min(source.Length, 64 * 1024));
            var n = Math.Min(target.Length, source.Length);
            source[..n].CopyTo(target);
            writer.Advance(n);
            source = source[n..];
        }

        context.Complete();
    }
}
