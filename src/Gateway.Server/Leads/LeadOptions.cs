namespace Gateway.Server.Leads;

/// <summary>Push delivery schedule (Gateway:Leads:Delivery).</summary>
internal sealed class LeadDeliveryOptions
{
    public const string Section = "Gateway:Leads:Delivery";

    /// <summary>Delay before the first retry; doubles with every failed attempt.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap on the delay between two attempts.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after a delivery became due it is retried before it is marked FAILED (the lead stays pullable).</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Leads per DeliverLeads call.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Upper bound of batches per agency in one job run, so one busy agency cannot starve the others.</summary>
    public int MaxBatchesPerAgency { get; set; } = 50;

    /// <summary>How long a worker owns the rows it claimed; a crashed worker's rows are claimable again after it.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public DeliveryBackoff Backoff => new(InitialBackoff, MaxBackoff, RetryWindow);
}

/// <summary>How the gateway connects to agencies' LeadReceivers (Gateway:Push).</summary>
internal sealed class LeadPushOptions
{
    public const string Section = "Gateway:Push";

    /// <summary>The gateway's own client certificate and key (PEM), presented to every receiver.</summary>
    public string Certificate { get; set; } = "certs/dev/gateway-push.crt";

    public string Key { get; set; } = "certs/dev/gateway-push.key";

    /// <summary>PEM bundle of the CAs that issue receivers' server certificates: the only roots trusted for them.</summary>
    public string ReceiverCaBundle { get; set; } = "certs/dev/ca.crt";

    /// <summary>Deadline of one DeliverLeads call (must stay well under Gateway:Leads:Delivery:ClaimTimeout).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
