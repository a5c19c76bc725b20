using Dapper;
using Gateway.Server.Data;

namespace Gateway.Server.Leads;

/// <summary>
/// How useful leads are, per agency and per rule: how many were sent, how agencies disposed of them,
/// how many led to a seizure by that agency (seizures.lead_id), and how many of those turned out
/// counterfeit. Hit rate = leads with a confirmed seizure / leads.
/// </summary>
internal sealed class LeadStats(Database database)
{
    /// <summary>The rule code under which investigators' leads (which carry no reasons) are counted.</summary>
    public const string InvestigatorRule = "(investigator)";

    /// <summary>The row summing every rule of an agency.</summary>
    public const string AllRules = "*";

    public async Task<IReadOnlyList<LeadStatsRow>> ComputeAsync(DateTime? since, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Reason codes live in a JSON column, so the per-rule split is done here rather than in
        // engine-specific JSON SQL; one row per lead.
        var leads = await connection.QueryAsync<LeadOutcome>(new CommandDefinition("""
            SELECT l.agency_id, l.source, l.reasons, l.disposition,
                   CASE WHEN EXISTS (SELECT 1 FROM seizures s
                                     WHERE s.lead_id = l.lead_id AND s.agency_id = l.agency_id) THEN 1 ELSE 0 END AS seized,
                   CASE WHEN EXISTS (SELECT 1 FROM seizures s
                                     WHERE s.lead_id = l.lead_id AND s.agency_id = l.agency_id
                                       AND s.status IN ('CONFIRMED_COUNTERFEIT', 'DESTROYED', 'IN_PROCEEDINGS')) THEN 1 ELSE 0 END AS confirmed
            FROM leads l
            WHERE l.created_at >= @since
            """, new { since = since ?? DateTime.MinValue }, cancellationToken: cancellationToken));

        var counters = new Dictionary<(string Agency, string Rule), LeadStatsRow>();
        foreach (var lead in leads)
        {
            var rules = lead.Source == LeadStates.SourceInvestigator
                ? [InvestigatorRule]
                : LeadMapping.Reasons(lead.Reasons).Select(r => r.Code ?? "").Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).DefaultIfEmpty("(none)");
            foreach (var rule in rules.Append(AllRules))
            {
                var key = (lead.AgencyId, rule);
                counters[key] = (counters.TryGetValue(key, out var row) ? row : new LeadStatsRow(lead.AgencyId, rule, 0, 0, 0, 0, 0, 0)).Add(lead);
            }
        }

        return [.. counters.Values.OrderBy(r => r.AgencyId, StringComparer.Ordinal)
            .ThenBy(r => r.Rule == AllRules ? 0 : 1).ThenByDescending(r => r.Leads).ThenBy(r => r.Rule, StringComparer.Ordinal)];
    }

    internal sealed class LeadOutcome
    {
        public string AgencyId { get; init; } = "";
        public string Source { get; init; } = "";
        public string Reasons { get; init; } = "[]";
        public string? Disposition { get; init; }
        public int Seized { get; init; }
        public int Confirmed { get; init; }
    }
}

internal sealed record LeadStatsRow(string AgencyId, string Rule, int Leads, int Accepted, int Rejected, int NeedsInfo, int Seized, int Confirmed)
{
    /// <summary>Leads that led to a confirmed seizure, as a share of all leads.</summary>
    public double HitRate => Leads == 0 ? 0 : (double)Confirmed / Leads;

    public LeadStatsRow Add(LeadStats.LeadOutcome lead) => this with
    {
        Leads = Leads + 1,
        Accepted = Accepted + (lead.Disposition == "ACCEPTED" ? 1 : 0),
        Rejected = Rejected + (lead.Disposition == "REJECTED" ? 1 : 0),
        NeedsInfo = NeedsInfo + (lead.Disposition == "NEEDS_INFO" ? 1 : 0),
        Seized = Seized + lead.Seized,
        Confirmed = Confirmed + lead.Confirmed,
    };
}
