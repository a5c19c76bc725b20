using Gateway.Client.Receiver;
using Gateway.Contracts.V1;
using Gateway.Server.Leads;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>
/// A gateway that pushes leads with its own client certificate to receivers trusted through the dev CA,
/// on a short retry schedule (10 s doubling to 5 min, 1 h window) that tests walk through with the fake clock.
/// </summary>
public class LeadsGateway : GatewayServer
{
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan RetryWindow = TimeSpan.FromHours(1);

    protected override IEnumerable<string> AdditionalArgs() =>
    [
        $"--Gateway:Push:Certificate={Pki}/gateway-push.crt",
        $"--Gateway:Push:Key={Pki}/gateway-push.key",
        $"--Gateway:Push:ReceiverCaBundle={Pki}/ca.crt",
        $"--Gateway:Push:Timeout={PushTimeout}",
        "--Gateway:Leads:Delivery:InitialBackoff=00:00:10",
        $"--Gateway:Leads:Delivery:MaxBackoff={MaxBackoff}",
        $"--Gateway:Leads:Delivery:RetryWindow={RetryWindow}",
    ];

    /// <summary>Deadline of one push (real time: it is the gRPC deadline of the call).</summary>
    public virtual TimeSpan PushTimeout => TimeSpan.FromSeconds(20);

    internal DeliverLeadsJob DeliverJob => Services.GetRequiredService<DeliverLeadsJob>();

    internal LeadDeliveries Deliveries => Services.GetRequiredService<LeadDeliveries>();

    /// <summary>The agency's reference receiver (its demo server certificate), in-process on a free port, registered as the agency's endpoint.</summary>
    internal async Task<LeadReceiverHost> StartReceiverAsync(string agencyId, Func<int, ReceiverFault>? faults = null, TimeSpan? faultDelay = null)
    {
        var receiver = await LeadReceiverHost.StartAsync(new LeadReceiverOptions
        {
            CertificatePath = Path.Combine(Pki, agencyId + "-receiver.crt"),
            KeyPath = Path.Combine(Pki, agencyId + "-receiver.key"),
            ClientCaPath = Path.Combine(Pki, "ca.crt"),
            OutputPath = Path.Combine(Root, $"received-{agencyId}-{Guid.NewGuid():N}.ndjson"),
            Faults = faults,
            FaultDelay = faultDelay ?? TimeSpan.FromSeconds(1),
        });
        await Agencies.SetReceiverAsync(agencyId, receiver.Address.ToString());
        return receiver;
    }

    /// <summary>An investigator's lead, created over mTLS as the platform.</summary>
    internal async Task<Lead> CreateLeadAsync(string agencyId, string shipmentId, string? requestId = null)
    {
        using var platform = Connect("platform");
        using var channel = platform.CreateChannel();
        return await new LeadService.LeadServiceClient(channel).CreateLeadAsync(new CreateLeadRequest
        {
            Context = Calls.Context("INV-2026-0007"),
            RequestId = requestId ?? Guid.NewGuid().ToString(),
            AgencyId = agencyId,
            ShipmentIds = { shipmentId },
            Narrative = "Same seller as three confirmed seizures last month; declared value far below the brand's price.",
            InvestigatorId = "investigator-12",
        });
    }

    /// <summary>A lead as the risk engine's scoring job writes it: straight into `leads`, no RPC, no delivery row.</summary>
    internal async Task<string> InsertRiskEngineLeadAsync(string agencyId, string shipmentId)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        var leadId = Guid.CreateVersion7().ToString();
        await Services.GetRequiredService<LeadStore>().InsertAsync(new LeadRow
        {
            LeadId = leadId,
            AgencyId = agencyId,
            DedupKey = $"shipment:{shipmentId}:{leadId}",
            Source = LeadStates.SourceRiskEngine,
            SellerId = "SEL-0001",
            Score = 85,
            Reasons = """[{"code":"BRAND_PRICE_ANOMALY","detail":"7.00 EUR for a Gucci handbag","weight":60},{"code":"NEW_SELLER","detail":"30 days","weight":25}]""",
            Status = LeadStates.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        }, [shipmentId], CancellationToken.None);
        return leadId;
    }

    /// <summary>Runs deliver-leads until nothing is due, advancing the clock by the longest back-off between runs.</summary>
    internal async Task<int> DeliverUntilSettledAsync(int maxRuns = 40)
    {
        for (var run = 1; run <= maxRuns; run++)
        {
            var result = await DeliverJob.RunAsync(CancellationToken.None);
            if (result.Retrying == 0 && result.Attempted == 0)
            {
                return run;
            }

            Clock.Advance(MaxBackoff);
        }

        throw new InvalidOperationException($"Deliveries not settled after {maxRuns} runs.");
    }
}

internal static class ReceivedLeads
{
    /// <summary>Lead ids in the receiver's NDJSON file, one per line, in order (duplicates kept, so tests can see them).</summary>
    public static List<string> Read(string path) =>
        [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => Google.Protobuf.JsonParser.Default.Parse<Lead>(l).LeadId)];
}
