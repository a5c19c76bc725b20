namespace Gateway.Server.Seizures;

/// <summary>One row of `seizures`.</summary>
internal sealed class SeizureRow
{
    public string SeizureId { get; init; } = "";
    public string AgencyId { get; init; } = "";
    public string RequestId { get; init; } = "";
    public string? RequestFingerprint { get; init; }
    public string AgencyReference { get; init; } = "";
    public string ShipmentId { get; init; } = "";
    public string SellerId { get; init; } = "";
    public string? LeadId { get; init; }
    public string CustomsOffice { get; init; } = "";
    public DateTime DetainedAt { get; init; }
    public string Procedure { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTime HolderResponseDue { get; init; }
    public DateTime? ConfirmedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>One row of `seizure_items`.</summary>
internal sealed class SeizureItemRow
{
    public string SeizureId { get; init; } = "";
    public int LineNo { get; init; }
    public string Brand { get; init; } = "";
    public string Category { get; init; } = "";
    public int Quantity { get; init; }
    public string InfringementType { get; init; } = "";
    public long ValueMinor { get; init; }
    public string Currency { get; init; } = "";
}

/// <summary>One row of `seizure_transitions` (M0500).</summary>
internal sealed class TransitionRow
{
    public string AgencyId { get; init; } = "";
    public string RequestId { get; init; } = "";
    public string SeizureId { get; init; } = "";
    public string FromStatus { get; init; } = "";
    public string ToStatus { get; init; } = "";
    public string Note { get; init; } = "";
    public DateTime OccurredAt { get; init; }
}
