namespace Gateway.Server.Risk;

/// <summary>Everything the rules look at for one shipment, loaded in bulk by the job (or built in memory by tests and benchmarks).</summary>
internal sealed class ShipmentFacts
{
    public string ShipmentId { get; init; } = "";

    public string SellerId { get; init; } = "";

    public DateTime DeclaredAt { get; init; }

    public List<GoodsFacts> Goods { get; init; } = [];

    public List<ListingFacts> Listings { get; init; } = [];

    /// <summary>Null when the seller is unknown to the gateway.</summary>
    public DateTime? SellerAccountCreatedAt { get; init; }

    public int SellerStrikes { get; init; }

    public int SellerSeizures { get; init; }

    /// <summary>Low-value shipments (this one included) from the seller to the same consignee within the splitting window; 0 when this one is not low-value.</summary>
    public int SplitShipments { get; init; }

    /// <summary>Earlier confirmed-counterfeit seizures of shipments to the same consignee (name + postcode).</summary>
    public int ConsigneePriorSeizures { get; init; }
}

internal sealed record GoodsFacts(int LineNo, string Description, string Brand, int Quantity, long ValueMinor, string Currency, string ListingId);

internal sealed record ListingFacts(string ListingId, string Title, string Brand, string Category);

/// <summary>One explainable reason: the rule's code, what it saw in this shipment, and the points it contributed.</summary>
internal sealed record RiskReason(string Code, string Detail, int Weight);

/// <summary>Score 0–100 and the reasons; the reasons' weights add up to the score.</summary>
internal sealed record RiskAssessment(int Score, IReadOnlyList<RiskReason> Reasons)
{
    public static readonly RiskAssessment None = new(0, []);
}
