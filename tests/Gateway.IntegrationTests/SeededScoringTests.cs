using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Gateway.Server.Risk;
using Gateway.Server.Seed;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests;

/// <summary>A gateway whose scoring batches are small enough that two concurrent runs contend over a seeded marketplace.</summary>
public sealed class SeededScoringGateway : GatewayServer
{
    protected override IEnumerable<string> AdditionalArgs() => ["--Gateway:Risk:BatchSize=250"];
}

/// <summary>
/// After a `gateway seed` (the same generator and writers, a few thousand shipments), the score-shipments job,
/// run twice at once, creates exactly the leads that the agencies' jurisdictions and thresholds call for —
/// computed here independently from the stored scores — once each.
/// </summary>
public sealed class SeededScoringTests(SeededScoringGateway gateway, ITestOutputHelper output) : IClassFixture<SeededScoringGateway>
{
    [Fact]
    public async Task After_a_seed_leads_go_only_to_the_right_agencies_once_each_even_with_two_concurrent_runs()
    {
        // A suspended agency covering every destination with the lowest threshold must get nothing.
        var subject = "CN=eu-suspended, O=Suspended agency (test)";
        await gateway.Agencies.AddAsync(new Agency("eu-suspended", Agency.KindAgency, "Suspended (test)", Agency.StatusSuspended,
            ["FR", "DE", "NL", "BE", "IT", "ES", "PL"], ["leads:read"], new HashSet<DataSubset>(), subject, null, 1));
        // An NL agency with a high threshold: only the riskiest Dutch parcels.
        await gateway.Agencies.AddAsync(new Agency("nl-customs", Agency.KindAgency, "Douane (test)", Agency.StatusActive,
            ["NL"], ["leads:read"], new HashSet<DataSubset>(), "CN=nl-customs, O=Douane (test), C=NL", null, 85));

        var counts = await new Seeder(gateway.Services.GetRequiredService<Database>(), gateway.Clock)
            .RunAsync(new SyntheticMarketplace(seed: 7, sellerCount: 300), shipments: 3_000);
        output.WriteLine($"seeded {counts}");

        var job = gateway.Services.GetRequiredService<ScoreShipmentsJob>();
        var runs = await Task.WhenAll(Task.Run(() => job.RunAsync(CancellationToken.None)), Task.Run(() => job.RunAsync(CancellationToken.None)));
        output.WriteLine(string.Join(Environment.NewLine, runs.Select(r => r.ToString())));

        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        var shipments = await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM shipments");
        Assert.Equal(shipments, runs.Sum(r => r.ShipmentsScored));

        // What the leads must be, from the stored scores, the agencies and the jurisdiction countries.
        var agencies = (await gateway.Agencies.ListAsync()).Where(a => a.Kind == Agency.KindAgency && a.IsActive).ToList();
        var scores = (await connection.QueryAsync<(string ShipmentId, int Score)>("SELECT shipment_id, risk_score FROM shipments")).ToDictionary(r => r.ShipmentId, r => r.Score);
        var countries = (await connection.QueryAsync<(string ShipmentId, string Country)>("SELECT shipment_id, country FROM shipment_countries"))
            .ToLookup(r => r.ShipmentId, r => r.Country);
        var expected = (from agency in agencies
                        from shipment in scores
                        where shipment.Value >= agency.LeadThreshold && countries[shipment.Key].Any(agency.Jurisdictions.Contains)
                        select $"{agency.Id}/{shipment.Key}").Order(StringComparer.Ordinal).ToList();

        var actual = (await connection.QueryAsync<(string AgencyId, string ShipmentId)>("""
            SELECT l.agency_id, ls.shipment_id FROM leads l JOIN lead_shipments ls ON ls.lead_id = l.lead_id
            WHERE l.source = 'RISK_ENGINE'
            """)).Select(r => $"{r.AgencyId}/{r.ShipmentId}").Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected, actual);                       // the right agencies, and once each (a duplicate would show twice)
        Assert.Equal(expected.Count, runs.Sum(r => r.LeadsCreated));
        Assert.Contains(actual, l => l.StartsWith("fr-customs/", StringComparison.Ordinal));
        Assert.Contains(actual, l => l.StartsWith("de-customs/", StringComparison.Ordinal));
        Assert.DoesNotContain(actual, l => l.StartsWith("eu-suspended/", StringComparison.Ordinal));
        // The seed is realistic: most parcels are not suspicious, a minority is.
        var flagged = scores.Count(s => s.Value >= 60);
        Assert.InRange(flagged, 1, shipments / 2);
        output.WriteLine($"{actual.Count} leads; {flagged} of {shipments} shipments at or above 60");

        // A third run finds nothing new.
        var again = await job.RunAsync(CancellationToken.None);
        Assert.Equal(0, again.LeadsCreated);
    }
}
