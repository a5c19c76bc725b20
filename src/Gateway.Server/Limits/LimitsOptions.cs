namespace Gateway.Server.Limits;

/// <summary>Per-agency call limits and message sizes (`Gateway:Limits`).</summary>
internal sealed class LimitsOptions
{
    public const string Section = "Gateway:Limits";

    /// <summary>Calls an agency may make in a burst (the token bucket's size).</summary>
    public int Burst { get; set; } = 500;

    /// <summary>Calls added back to each agency's bucket per <see cref="ReplenishmentPeriod"/>.</summary>
    public int CallsPerPeriod { get; set; } = 250;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Calls of one agency in flight at once (a stream counts until it ends).</summary>
    public int MaxConcurrentCalls { get; set; } = 64;

    /// <summary>Largest request message accepted; bigger ones end RESOURCE_EXHAUSTED before they are parsed.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent (clients must accept at least this much).</summary>
    public int MaxSendMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Rate of <c>/connect/token</c> per client certificate subject (`Gateway:Limits:TokenEndpoint`).</summary>
    public TokenEndpointLimitOptions TokenEndpoint { get; set; } = new();
}

/// <summary>
/// A token lives five minutes and clients cache it, so a legitimate client needs a handful per hour;
/// the defaults (burst 20, 10 per second) leave room for many processes sharing one certificate
/// while keeping one certificate from monopolising the signing key and the audit writer.
/// </summary>
internal sealed class TokenEndpointLimitOptions
{
    /// <summary>Token requests a certificate may make at once (the bucket's size).</summary>
    public int Burst { get; set; } = 20;

    /// <summary>Requests added back per <see cref="ReplenishmentPeriod"/>.</summary>
    public int RequestsPerPeriod { get; set; } = 10;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
