namespace Gateway.Server.Risk;

/// <summary>Gateway:Risk — rule weights and thresholds, vocabulary, and the scoring job's batch size.</summary>
internal sealed class RiskOptions
{
    public const string Section = "Gateway:Risk";

    /// <summary>Per rule code: weight (points) and enabled flag. Codes absent here keep their defaults (<see cref="RiskRules.DefaultWeights"/>).</summary>
    public Dictionary<string, RuleOptions> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>LOW_DECLARED_VALUE fires when the value per unit is below this fraction of the brand's reference minimum.</summary>
    public double LowValueRatio { get; set; } = 0.2;

    /// <summary>NEW_SELLER: accounts younger than this.</summary>
    public int NewSellerDays { get; set; } = 30;

    /// <summary>SELLER_STRIKES counts strikes recorded in this window.</summary>
    public int StrikeWindowDays { get; set; } = 365;

    /// <summary>SPLITTING: at least this many low-value shipments from one seller to one consignee…</summary>
    public int SplittingMinShipments { get; set; } = 3;

    /// <summary>…within this many days of each other…</summary>
    public int SplittingWindowDays { get; set; } = 7;

    /// <summary>…each declared at or below this value (minor units, any currency: the split is about staying under thresholds).</summary>
    public long SplittingLowValueMinor { get; set; } = 15000;

    /// <summary>Replica / counterfeit vocabulary; an empty list keeps the defaults (<see cref="Vocabulary"/>).</summary>
    public List<string> ReplicaTerms { get; set; } = [];

    /// <summary>Terms that are a replica signal only next to a brand ("copy", "AAA", "imitation").</summary>
    public List<string> WeakReplicaTerms { get; set; } = [];

    /// <summary>Honest phrases that contain a replica term ("fake fur", "imitation leather").</summary>
    public List<string> HonestPhrases { get; set; } = [];

    /// <summary>Words that, alone, make a goods description vague.</summary>
    public List<string> VagueWords { get; set; } = [];

    /// <summary>Shipments read per batch by the scoring job.</summary>
    public int BatchSize { get; set; } = 5000;
}

internal sealed class RuleOptions
{
    public int? Weight { get; set; }

    public bool Enabled { get; set; } = true;
}
