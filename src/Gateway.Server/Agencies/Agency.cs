using Gateway.Contracts.V1;

namespace Gateway.Server.Agencies;

/// <summary>A registered client of the gateway: a customs / law-enforcement agency, the marketplace platform, or an oversight body.</summary>
internal sealed record Agency(
    string Id,
    string Kind,
    string Name,
    string Status,
    IReadOnlyList<string> Jurisdictions,
    IReadOnlyList<string> Scopes,
    IReadOnlySet<DataSubset> Subsets,
    string CertificateSubject,
    string? ReceiverEndpoint,
    int LeadThreshold)
{
    public const string KindAgency = "agency";
    public const string KindPlatform = "platform";
    public const string KindOversight = "oversight";
    public const string StatusActive = "active";
    public const string StatusSuspended = "suspended";

    public bool IsActive => Status == StatusActive;
}
