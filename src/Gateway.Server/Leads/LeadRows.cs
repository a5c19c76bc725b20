using System.Text.Json;
using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Server.Leads;

/// <summary>Contract names of lead states as stored in `leads.status` / `lead_deliveries.status`.</summary>
internal static class LeadStates
{
    public const string Pending = "PENDING";
    public const string Delivered = "DELIVERED";
    public const string Acknowledged = "ACKNOWLEDGED";
    public const string Failed = "FAILED";

    public const string SourceRiskEngine = "RISK_ENGINE";
    public const string SourceInvestigator = "INVESTIGATOR";
}

internal sealed class LeadRow
{
    public string LeadId { get; init; } = "";
    public string AgencyId { get; init; } = "";
    public string DedupKey { get; init; } = "";
    public string Source { get; init; } = "";
    public string SellerId { get; init; } = "";
    public int Score { get; init; }
    public string Reasons { get; init; } = "[]";
    public string Narrative { get; init; } = "";
    public string InvestigatorId { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Disposition { get; init; }
    public string? DispositionNote { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal static class LeadMapping
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static Lead ToContract(LeadRow row, IEnumerable<string> shipmentIds)
    {
        var lead = new Lead
        {
            LeadId = row.LeadId,
            AgencyId = row.AgencyId,
            Source = row.Source switch
            {
                LeadStates.SourceRiskEngine => LeadSource.RiskEngine,
                LeadStates.SourceInvestigator => LeadSource.Investigator,
                _ => LeadSource.Unspecified,
            },
            SellerId = row.SellerId,
            Score = row.Score,
            Narrative = row.Narrative,
            InvestigatorId = row.InvestigatorId,
            CreatedAt = Timestamp.FromDateTime(row.CreatedAt),
            Status = ToStatus(row.Status),
            Disposition = ToDisposition(row.Disposition),
        };
        lead.ShipmentIds.AddRange(shipmentIds);
        lead.Reasons.AddRange(Reasons(row.Reasons).Select(r => new RiskReason { Code = r.Code ?? "", Detail = r.Detail ?? "", Weight = r.Weight }));
        return lead;
    }

    /// <summary>The reason codes of a lead (the risk engine stores [{code, detail, weight}] as JSON).</summary>
    public static IReadOnlyList<ReasonJson> Reasons(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<ReasonJson>>(json, Json) ?? [];
        }
        catch (JsonException)
        {
            // A malformed reasons column must not make the lead itself undeliverable.
            return [];
        }
    }

    public static LeadStatus ToStatus(string status) => status switch
    {
        LeadStates.Pending => LeadStatus.Pending,
        LeadStates.Delivered => LeadStatus.Delivered,
        LeadStates.Acknowledged => LeadStatus.Acknowledged,
        LeadStates.Failed => LeadStatus.Failed,
        _ => LeadStatus.Unspecified,
    };

    public static LeadDisposition ToDisposition(string? disposition) => disposition switch
    {
        "ACCEPTED" => LeadDisposition.Accepted,
        "REJECTED" => LeadDisposition.Rejected,
        "NEEDS_INFO" => LeadDisposition.NeedsInfo,
        _ => LeadDisposition.Unspecified,
    };

    public static string? FromDisposition(LeadDisposition disposition) => disposition switch
    {
        LeadDisposition.Accepted => "ACCEPTED",
        LeadDisposition.Rejected => "REJECTED",
        LeadDisposition.NeedsInfo => "NEEDS_INFO",
        _ => null,
    };

    internal sealed record ReasonJson(string? Code, string? Detail, int Weight);
}
