namespace Gateway.Server.Auth;

/// <summary>The OAuth scopes of the API contract, one per capability.</summary>
internal static class Scopes
{
    public const string ShipmentsRead = "shipments:read";
    public const string SellersRead = "sellers:read";
    public const string SeizuresWrite = "seizures:write";
    public const string SeizuresRead = "seizures:read";
    public const string LeadsRead = "leads:read";
    public const string LeadsWrite = "leads:write";
    public const string IngestWrite = "ingest:write";
    public const string FeedRead = "feed:read";
    public const string AuditRead = "audit:read";

    public static readonly IReadOnlyList<string> All =
    [
        ShipmentsRead, SellersRead, SeizuresWrite, SeizuresRead, LeadsRead, LeadsWrite, IngestWrite, FeedRead, AuditRead,
    ];
}
