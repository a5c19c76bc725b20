using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;

namespace Gateway.Server.Shipments;

/// <summary>
/// Writes a shipment (row, goods lines, jurisdiction countries) inside the caller's transaction,
/// idempotent by shipment_id. Every write takes the next ingest sequence, so the scoring job —
/// which reads past a watermark on it — sees new and changed shipments alike.
/// </summary>
internal sealed class ShipmentWriter(Database database, TimeProvider clock)
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

    private readonly string upsertShipment = database.Dialect.Upsert("shipments", ["shipment_id"], ShipmentColumns);

    /// <returns>true when the shipment was new, false when it replaced an existing one.</returns>
    public async Task<bool> UpsertAsync(DbConnection connection, DbTransaction transaction, Shipment shipment, CancellationToken cancellationToken = default)
    {
        var existed = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM shipments WHERE shipment_id = @id", new { id = shipment.ShipmentId }, transaction, cancellationToken: cancellationToken)) > 0;
        var sequence = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(MAX(ingest_seq), 0) + 1 FROM shipments", transaction: transaction, cancellationToken: cancellationToken));

        var row = ToRow(shipment, sequence);
        await connection.ExecuteAsync(new CommandDefinition(upsertShipment, row, transaction, cancellationToken: cancellationToken));

        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM shipment_goods WHERE shipment_id = @id; DELETE FROM shipment_countries WHERE shipment_id = @id;",
            new { id = shipment.ShipmentId }, transaction, cancellationToken: cancellationToken));

        var goods = shipment.Goods.Select((g, i) => new
        {
            ShipmentId = shipment.ShipmentId,
            LineNo = i + 1,
            g.Description,
            g.HsCode,
            g.Quantity,
            g.GrossMassGrams,
            ValueMinor = g.IntrinsicValue?.AmountMinor ?? 0,
            Currency = g.IntrinsicValue?.Currency ?? "",
            g.CountryOfOrigin,
            g.Brand,
            g.ListingId,
        }).ToList();
        if (goods.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO shipment_goods (shipment_id, line_no, description, hs_code, quantity, gross_mass_grams,
                                            value_minor, currency, country_of_origin, brand, listing_id)
                VALUES (@ShipmentId, @LineNo, @Description, @HsCode, @Quantity, @GrossMassGrams,
                        @ValueMinor, @Currency, @CountryOfOrigin, @Brand, @ListingId)
                """, goods, transaction, cancellationToken: cancellationToken));
        }

        var countries = new[] { shipment.DestinationCountry, shipment.OriginCountry }
            .Concat(shipment.CountriesOfRouting)
            .Where(c => c.Length == 2)
            .Select(c => c.ToUpperInvariant())
            .Distinct(StringComparer.Ordinal)
            .Select(c => new { ShipmentId = shipment.ShipmentId, Country = c, IngestSeq = sequence })
            .ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO shipment_countries (shipment_id, country, ingest_seq) VALUES (@ShipmentId, @Country, @IngestSeq)",
            countries, transaction, cancellationToken: cancellationToken));
        return !existed;
    }

    private ShipmentRow ToRow(Shipment s, long sequence) => new()
    {
        ShipmentId = s.ShipmentId,
        IngestSeq = sequence,
        TrackingNumber = s.TrackingNumber,
        Mrn = s.Mrn,
        PlatformOrderId = s.PlatformOrderId,
        SellerId = s.SellerId,
        ConsignorName = s.Consignor?.Name ?? "",
        ConsignorAddress = string.Join('\n', s.Consignor?.AddressLines ?? []),
        ConsignorPostcode = s.Consignor?.Postcode ?? "",
        ConsignorCity = s.Consignor?.City ?? "",
        ConsignorCountry = s.Consignor?.Country ?? "",
        ConsignorEmail = s.Consignor?.Email ?? "",
        ConsignorPhone = s.Consignor?.Phone ?? "",
        ConsignorEori = s.Consignor?.Eori ?? "",
        ConsigneeName = s.Consignee?.Name ?? "",
        ConsigneeAddress = string.Join('\n', s.Consignee?.AddressLines ?? []),
        ConsigneePostcode = s.Consignee?.Postcode ?? "",
        ConsigneeCity = s.Consignee?.City ?? "",
        ConsigneeCountry = s.Consignee?.Country ?? "",
        ConsigneeEmail = s.Consignee?.Email ?? "",
        ConsigneePhone = s.Consignee?.Phone ?? "",
        ConsigneeEori = s.Consignee?.Eori ?? "",
        OriginCountry = s.OriginCountry.ToUpperInvariant(),
        DestinationCountry = s.DestinationCountry.ToUpperInvariant(),
        CountriesOfRouting = string.Join(',', s.CountriesOfRouting.Select(c => c.ToUpperInvariant())),
        Carrier = s.Carrier,
        TransportMode = s.TransportMode,
        DeclaredAt = s.DeclaredAt?.ToDateTime() ?? clock.GetUtcNow().UtcDateTime,
        ShippedAt = s.ShippedAt?.ToDateTime() ?? clock.GetUtcNow().UtcDateTime,
        UpdatedAt = clock.GetUtcNow().UtcDateTime,
    };
}
