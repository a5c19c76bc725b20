using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Ingest;

namespace Gateway.Server.Shipments;

/// <summary>
/// Writes shipments (row, goods lines, jurisdiction countries) inside the caller's transaction,
/// idempotent by shipment_id. Every write takes the next ingest sequence, so the scoring job —
/// which reads past a watermark on it — sees new and changed shipments alike.
/// </summary>
/// <remarks>
/// The sequence is read once per batch (MAX + 1) and incremented in memory. That is safe only because
/// the transaction holds the write lock from its start (<see cref="SqlDialect.BeginWriteAsync"/>;
/// Microsoft.Data.Sqlite's default BeginTransaction is BEGIN IMMEDIATE too): no other writer can read
/// the same MAX, and sequences become visible in commit order, so a reader never sees a gap later filled.
/// </remarks>
internal sealed class ShipmentWriter(Database database, TimeProvider clock) : IRecordWriter<Shipment>
{
    private static readonly string[] ShipmentColumns =
    [
        "shipment_id", "ingest_seq", "tracking_number", "mrn", "platform_order_id", "seller_id",
        "consignor_name", "consignor_address", "consignor_postcode", "consignor_city", "consignor_country",
        "consignor_email", "consignor_phone", "consignor_eori",
        "consignee_name", "consignee_address", "consignee_postcode", "consignee_city", "consignee_country",
        "consignee_email", "consignee_phone", "consignee_eori",
        "origin_country", "destination_country", "countries_of_routing", "carrier", "transport_mode",
        "declared_at", "shipped_at", "updated_at",
    ];

    private static readonly string[] GoodsColumns =
    [
        "shipment_id", "line_no", "description", "hs_code", "quantity", "gross_mass_grams",
        "value_minor", "currency", "country_of_origin", "brand", "listing_id",
    ];

    private static readonly string[] CountryColumns = ["shipment_id", "country"];

    private static readonly string[] UpsertColumns = [.. ShipmentColumns, "content_hash"];

    private static readonly string InsertGoods =
        $"INSERT INTO shipment_goods ({string.Join(", ", GoodsColumns)}) VALUES ({string.Join(", ", GoodsColumns.Select(SqlDialect.Parameter))})";

    private static readonly string InsertCountry =
        $"INSERT INTO shipment_countries ({string.Join(", ", CountryColumns)}) VALUES ({string.Join(", ", CountryColumns.Select(SqlDialect.Parameter))})";

    private static readonly byte[] HashVersion = "shipment-v1\n"u8.ToArray();

    private readonly string upsertShipment = database.Dialect.Upsert("shipments", ["shipment_id"], UpsertColumns);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string LockTable => "shipments";

    /// <summary>One shipment; for many, use a batch (it reads the sequence and prepares statements once).</summary>
    /// <returns>true when the shipment was new, false when it replaced an existing one.</returns>
    public async Task<bool> UpsertAsync(DbConnection connection, DbTransaction transaction, Shipment shipment, CancellationToken cancellationToken = default)
    {
        await using var batch = await BeginBatchAsync(connection, transaction, cancellationToken);
        return await batch.UpsertAsync(shipment, cancellationToken);
    }

    public async Task<IRecordBatch<Shipment>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        await using var max = new PreparedCommand(connection, transaction, "SELECT COALESCE(MAX(ingest_seq), 0) FROM shipments");
        var last = Convert.ToInt64(await max.ScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new Batch(this, connection, transaction, last + 1);
    }

    /// <summary>
    /// SHA-256 of the record as received (its protobuf encoding; C# protobuf writes fields in number
    /// order, so equal messages encode equally). Equal hash = nothing the gateway stores would change.
    /// </summary>
    internal static byte[] ContentHash(Shipment shipment)
    {
        var size = shipment.CalculateSize();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(HashVersion.Length + size);
        try
        {
            HashVersion.CopyTo(buffer, 0);
            Google.Protobuf.MessageExtensions.WriteTo(shipment, buffer.AsSpan(HashVersion.Length, size));
            return System.Security.Cryptography.SHA256.HashData(buffer.AsSpan(0, HashVersion.Length + size));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <remarks>
    /// Single-row statements on purpose. Multi-row INSERTs of goods and countries were tried and were
    /// slower: Microsoft.Data.Sqlite looks every parameter up by name on every execution
    /// (sqlite3_bind_parameter_index, a linear scan of the statement's names), so binding cost grows
    /// with the square of a statement's parameter count — 64 goods rows a statement made strncmp 15 %
    /// of the profile, and 4 rows a statement still lost to one (docs/performance.md). That was through
    /// the provider; on SQLite PreparedCommand now binds by index (decision 89). Multi-row INSERTs still
    /// lose without it: 300,000 country rows through Python's sqlite3 (which also binds by index) took
    /// 1.75 s of CPU three rows a statement against 0.72 s one row at a time.
    /// </remarks>
    private sealed class Batch(ShipmentWriter writer, DbConnection connection, DbTransaction transaction, long nextSequence) : IRecordBatch<Shipment>
    {
        private const int Unchanged = 2;

        // null: no such shipment; 1: exists and differs (or its personal data was removed by retention,
        // which a re-send restores as before); 2: exists, identical.
        private readonly PreparedCommand probe = new(connection, transaction,
            "SELECT CASE WHEN content_hash = @ContentHash AND personal_data_removed_at IS NULL THEN 2 ELSE 1 END FROM shipments WHERE shipment_id = @ShipmentId",
            "ShipmentId", "ContentHash");
        private readonly PreparedCommand upsert = new(connection, transaction, writer.upsertShipment, [.. ShipmentColumns.Select(SqlDialect.Parameter), "@ContentHash"]);
        private readonly PreparedCommand deleteGoods = new(connection, transaction, "DELETE FROM shipment_goods WHERE shipment_id = @ShipmentId", "ShipmentId");
        private readonly PreparedCommand deleteCountries = new(connection, transaction, "DELETE FROM shipment_countries WHERE shipment_id = @ShipmentId", "ShipmentId");
        private readonly PreparedCommand insertGoods = new(connection, transaction, InsertGoods, GoodsColumns.Select(SqlDialect.Parameter));
        private readonly PreparedCommand insertCountry = new(connection, transaction, InsertCountry, CountryColumns.Select(SqlDialect.Parameter));
        private readonly HashSet<string> countries = new(StringComparer.Ordinal);

        public async Task<bool> UpsertAsync(Shipment s, CancellationToken cancellationToken = default)
        {
            var id = s.ShipmentId;
            var hash = ContentHash(s);
            var state = await probe.Set(0, id).Set(1, hash).ScalarAsync(cancellationToken);
            if (state is not null && Convert.ToInt32(state, System.Globalization.CultureInfo.InvariantCulture) == Unchanged)
            {
                // Identical re-send: nothing stored would change, so nothing is written — no new
                // ingest_seq (feed readers and the scoring job see no phantom change), no index churn.
                return false;
            }

            var existed = state is not null;
            var sequence = nextSequence++;
            var now = writer.Now;

            BindParty(upsert, "Consignor", s.Consignor);
            BindParty(upsert, "Consignee", s.Consignee);
            await upsert
                .Set("ShipmentId", id)
                .Set("IngestSeq", sequence)
                .Set("TrackingNumber", s.TrackingNumber)
                .Set("Mrn", s.Mrn)
                .Set("PlatformOrderId", s.PlatformOrderId)
                .Set("SellerId", s.SellerId)
                .Set("OriginCountry", s.OriginCountry.ToUpperInvariant())
                .Set("DestinationCountry", s.DestinationCountry.ToUpperInvariant())
                .Set("CountriesOfRouting", string.Join(',', s.CountriesOfRouting.Select(c => c.ToUpperInvariant())))
                .Set("Carrier", s.Carrier)
                .Set("TransportMode", s.TransportMode)
                .Set("DeclaredAt", s.DeclaredAt?.ToDateTime() ?? now)
                .Set("ShippedAt", s.ShippedAt?.ToDateTime() ?? now)
                .Set("UpdatedAt", now)
                .Set("ContentHash", hash)
                .ExecuteAsync(cancellationToken);

            if (existed)
            {
                // Goods and countries are replaced as a whole: the platform's record is the truth.
                await deleteGoods.Set("ShipmentId", id).ExecuteAsync(cancellationToken);
                await deleteCountries.Set("ShipmentId", id).ExecuteAsync(cancellationToken);
            }

            var line = 0;
            foreach (var g in s.Goods)
            {
                await insertGoods
                    .Set(0, id)
                    .Set(1, ++line)
                    .Set(2, g.Description)
                    .Set(3, g.HsCode)
                    .Set(4, g.Quantity)
                    .Set(5, g.GrossMassGrams)
                    .Set(6, g.IntrinsicValue?.AmountMinor ?? 0)
                    .Set(7, g.IntrinsicValue?.Currency ?? "")
                    .Set(8, g.CountryOfOrigin)
                    .Set(9, g.Brand)
                    .Set(10, g.ListingId)
                    .ExecuteAsync(cancellationToken);
            }

            // Destination, origin and routing countries: what puts the shipment in a jurisdiction.
            countries.Clear();
            foreach (var c in s.CountriesOfRouting.Prepend(s.OriginCountry).Prepend(s.DestinationCountry))
            {
                var country = c.ToUpperInvariant();
                if (country.Length == 2 && countries.Add(country))
                {
                    await insertCountry.Set(0, id).Set(1, country).ExecuteAsync(cancellationToken);
                }
            }

            return !existed;
        }

        private static void BindParty(PreparedCommand command, string prefix, Party? p) => command
            .Set(prefix + "Name", p?.Name ?? "")
            .Set(prefix + "Address", string.Join('\n', p?.AddressLines ?? []))
            .Set(prefix + "Postcode", p?.Postcode ?? "")
            .Set(prefix + "City", p?.City ?? "")
            .Set(prefix + "Country", p?.Country ?? "")
            .Set(prefix + "Email", p?.Email ?? "")
            .Set(prefix + "Phone", p?.Phone ?? "")
            .Set(prefix + "Eori", p?.Eori ?? "");

        public async ValueTask DisposeAsync()
        {
            foreach (var command in new[] { probe, upsert, deleteGoods, deleteCountries, insertGoods, insertCountry })
            {
                await command.DisposeAsync();
            }
        }
    }
}

