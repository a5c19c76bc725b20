using Gateway.Contracts.V1;
using Gateway.Server.Auth;
using Google.Protobuf.Reflection;

namespace Gateway.Tests;

public sealed class RpcScopesTests
{
    /// <summary>Every service the gateway serves (LeadReceiver is implemented by agencies, not by the gateway).</summary>
    private static IEnumerable<ServiceDescriptor> ServedServices() =>
        new[]
        {
            CommonReflection.Descriptor, ShipmentsReflection.Descriptor, SellersReflection.Descriptor, SeizuresReflection.Descriptor,
            LeadsReflection.Descriptor, IngestReflection.Descriptor, FeedReflection.Descriptor, AuditReflection.Descriptor,
        }
        .SelectMany(file => file.Services)
        .Where(service => service.Name != "LeadReceiver");

    [Fact]
    public void Every_served_rpc_of_the_contract_has_a_scope()
    {
        var methods = ServedServices().SelectMany(s => s.Methods).Select(m => $"/{m.Service.FullName}/{m.Name}").ToList();
        Assert.Equal(20, methods.Count);
        Assert.All(methods, method => Assert.True(RpcScopes.TryGetPolicy(method, out _), $"{method} has no scope"));
        Assert.Equal(methods.Order(), RpcScopes.All.Keys.Order());
    }

    [Fact]
    public void Every_policy_names_only_contract_scopes()
    {
        Assert.All(RpcScopes.Policies.SelectMany(p => p.Split('|')), scope => Assert.Contains(scope, Scopes.All));
    }

    [Theory]
    [InlineData("/gateway.v1.ShipmentService/GetShipment", "shipments:read")]
    [InlineData("/gateway.v1.SellerService/GetSeller", "sellers:read")]
    [InlineData("/gateway.v1.SeizureService/ReportSeizure", "seizures:write")]
    [InlineData("/gateway.v1.SeizureService/ListSeizures", "seizures:read")]
    [InlineData("/gateway.v1.LeadService/CreateLead", "leads:write")]
    [InlineData("/gateway.v1.LeadService/AcknowledgeLeads", "leads:read")]
    [InlineData("/gateway.v1.LeadService/GetLead", "leads:read|leads:write")]
    [InlineData("/gateway.v1.IngestService/UpsertShipments", "ingest:write")]
    [InlineData("/gateway.v1.IngestService/UpsertShipmentBatches", "ingest:write")]
    [InlineData("/gateway.v1.EnforcementFeedService/ListEnforcementEvents", "feed:read")]
    [InlineData("/gateway.v1.AuditService/VerifyAudit", "audit:read")]
    public void Scopes_follow_the_API_contract(string method, string policy)
    {
        Assert.True(RpcScopes.TryGetPolicy(method, out var actual));
        Assert.Equal(policy, actual);
    }
}
