using Gateway.Contracts.V1;

namespace Gateway.Server.Auth;

/// <summary>
/// The one table that says which scope each RPC needs. Endpoints are mapped through it, and a
/// gateway RPC without an entry stops the server from starting: authorization cannot be forgotten.
/// </summary>
internal static class RpcScopes
{
    private static readonly Dictionary<string, string> ByMethod = new(StringComparer.Ordinal)
    {
        [Full(ShipmentService.Descriptor, "GetShipment")] = Scopes.ShipmentsRead,
        [Full(ShipmentService.Descriptor, "SearchShipments")] = Scopes.ShipmentsRead,
        [Full(ShipmentService.Descriptor, "ExportShipments")] = Scopes.ShipmentsRead,
        [Full(SellerService.Descriptor, "GetSeller")] = Scopes.SellersRead,
        [Full(SeizureService.Descriptor, "ReportSeizure")] = Scopes.SeizuresWrite,
        [Full(SeizureService.Descriptor, "UpdateSeizureStatus")] = Scopes.SeizuresWrite,
        [Full(SeizureService.Descriptor, "GetSeizure")] = Scopes.SeizuresRead,
        [Full(SeizureService.Descriptor, "ListSeizures")] = Scopes.SeizuresRead,
        [Full(LeadService.Descriptor, "CreateLead")] = Scopes.LeadsWrite,
        [Full(LeadService.Descriptor, "PullLeads")] = Scopes.LeadsRead,
        [Full(LeadService.Descriptor, "AcknowledgeLeads")] = Scopes.LeadsRead,
        // GetLead is open to the owning agency (leads:read) or the platform (leads:write): the
        // policy admits either scope and the service checks ownership.
        [Full(LeadService.Descriptor, "GetLead")] = Scopes.LeadsRead + "|" + Scopes.LeadsWrite,
        [Full(IngestService.Descriptor, "UpsertSellers")] = Scopes.IngestWrite,
        [Full(IngestService.Descriptor, "UpsertShipments")] = Scopes.IngestWrite,
        [Full(IngestService.Descriptor, "UpsertListings")] = Scopes.IngestWrite,
        [Full(IngestService.Descriptor, "UpsertBrands")] = Scopes.IngestWrite,
        [Full(IngestService.Descriptor, "UpsertShipmentBatches")] = Scopes.IngestWrite,
        [Full(EnforcementFeedService.Descriptor, "ListEnforcementEvents")] = Scopes.FeedRead,
        [Full(AuditService.Descriptor, "QueryAudit")] = Scopes.AuditRead,
        [Full(AuditService.Descriptor, "VerifyAudit")] = Scopes.AuditRead,
    };

    /// <summary>Policy name (scope, or scopes joined by '|' meaning any of them) for a full gRPC method name.</summary>
    public static bool TryGetPolicy(string fullMethodName, out string policy) =>
        ByMethod.TryGetValue(fullMethodName, out policy!);

    public static IEnumerable<string> Policies => ByMethod.Values.Distinct(StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, string> All => ByMethod;

    private static string Full(Google.Protobuf.Reflection.ServiceDescriptor service, string method)
    {
        var descriptor = service.FindMethodByName(method)
            ?? throw new InvalidOperationException($"{service.FullName} has no method {method}.");
        return $"/{service.FullName}/{descriptor.Name}";
    }
}
