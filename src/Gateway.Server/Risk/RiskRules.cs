namespace Gateway.Server.Risk;

/// <summary>Reason codes (stable: agencies store them and measure hit rates per rule) and their default weights.</summary>
internal static class RiskRules
{
    public const string ReplicaTerm = "REPLICA_TERM";
    public const string BrandWithReplicaTerm = "BRAND_WITH_REPLICA_TERM";
    public const string LowDeclaredValue = "LOW_DECLARED_VALUE";
    public const string VagueDescription = "VAGUE_DESCRIPTION";
    public const string SellerStrikes = "SELLER_STRIKES";
    public const string SellerSeizureHistory = "SELLER_SEIZURE_HISTORY";
    public const string NewSeller = "NEW_SELLER";
    public const string Splitting = "SPLITTING";
    public const string ConsigneePriorSeizure = "CONSIGNEE_PRIOR_SEIZURE";

    /// <summary>
    /// Defaults chosen so that no single weak indicator reaches the default lead threshold (60) alone,
    /// while replica vocabulary with a brand (40 + 25) does: the vocabulary is the strongest evidence an
    /// agency can act on; value, history and behaviour corroborate it.
    /// </summary>
    public static readonly IReadOnlyList<(string Code, int Weight)> DefaultWeights =
    [
        (ReplicaTerm, 40),
        (BrandWithReplicaTerm, 25),
        (LowDeclaredValue, 20),
        (VagueDescription, 10),
        (SellerStrikes, 25),
        (SellerSeizureHistory, 15),
        (NewSeller, 10),
        (Splitting, 15),
        (ConsigneePriorSeizure, 20),
    ];

    public static IEnumerable<string> Codes => DefaultWeights.Select(w => w.Code);
}
