namespace Gateway.Server.Shipments;

/// <summary>One row of `shipments`, as Dapper reads it.</summary>
internal sealed class ShipmentRow
{
    public string ShipmentId { get; init; } = "";
    public long IngestSeq { get; init; }
    public string TrackingNumber { get; init; } = "";
    public string Mrn { get; init; } = "";
    public string PlatformOrderId { get; init; } = "";
    public string SellerId { get; init; } = "";
    public string ConsignorName { get; init; } = "";
    public string ConsignorAddress { get; init; } = "";
    public string ConsignorPostcode { get; init; } = "";
    public string ConsignorCity { get; init; } = "";
    public string ConsignorCountry { get; init; } = "";
    public string ConsignorEmail { get; init; } = "";
    public string ConsignorPhone { get; init; } = "";
    public string ConsignorEori { get; init; } = "";
    public string ConsigneeName { get; init; } = "";
    public string ConsigneeAddress { get; init; } = "";
    public string ConsigneePostcode { get; init; } = "";
    public string ConsigneeCity { get; init; } = "";
    public string ConsigneeCountry { get; init; } = "";
    public string ConsigneeEmail { get; init; } = "";
    public string ConsigneePhone { get; init; } = "";
    public string ConsigneeEori { get; init; } = "";
    public string OriginCountry { get; init; } = "";
    public string DestinationCountry { get; init; } = "";
    public string CountriesOfRouting { get; init; } = "";
    public string Carrier { get; init; } = "";
    public string TransportMode { get; init; } = "";
    public DateTime DeclaredAt { get; init; }
    public DateTime ShippedAt { get; init; }
    public int? RiskScore { get; init; }
    public string? RiskReasons { get; init; }
    public DateTime? ScoredAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>One row of `shipment_goods`.</summary>
internal sealed class GoodsRow
{
    public string ShipmentId { get; init; } = "";
    public int LineNo { get; init; }
    public string Description { get; init; } = "";
    public string HsCode { get; init; } = "";
    public int Quantity { get; init; }
    public long GrossMassGrams { get; init; }
    public long ValueMinor { get; init; }
    public string Currency { get; init; } = "";
    public string CountryOfOrigin { get; init; } = "";
    public string Brand { get; init; } = "";
    public string ListingId { get; init; } = "";
}

/// <summary>A listing referenced by a shipment's goods (LISTINGS subset).</summary>
internal sealed class ListingRefRow
{
    public string ShipmentId { get; init; } = "";
    public string ListingId { get; init; } = "";
    public string Title { get; init; } = "";
    public string Url { get; init; } = "";
}
