using Gateway.Client.Receiver;
using Gateway.Contracts.V1;
using Gateway.Server.Leads;

namespace Gateway.IntegrationTests;

/// <summary>
/// Push delivery end to end: the deliver-leads job pushes over mutual TLS (the gateway's push
/// certificate one way, the receiver's server certificate the other) to the reference receiver that
/// agencies run, which deduplicates by lead_id into its NDJSON file.
/// </summary>
public sealed class LeadPushTests(LeadsGateway gateway) : IClassFixture<LeadsGateway>
{
    [Fact]
    public async Task An_investigator_lead_reaches_the_agency_receiver_exactly_once()
    {
        await using var receiver = await gateway.StartReceiverAsync("fr-customs");
        var lead = await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0001");
        Assert.Equal(LeadStatus.Pending, lead.Status);
        Assert.Equal(LeadSource.Investigator, lead.Source);
        Assert.Equal("SEL-0001", lead.SellerId);   // taken from the shipment

        var first = await gateway.DeliverJob.RunAsync(CancellationToken.None);
        Assert.True(first.Delivered >= 1);
        var second = await gateway.DeliverJob.RunAsync(CancellationToken.None);
        Assert.Equal(0, second.Attempted);

        var received = ReceivedLeads.Read(receiver.File.Path);
        Assert.Single(received, id => id == lead.LeadId);
        var delivery = await gateway.Deliveries.FindAsync(lead.LeadId, CancellationToken.None);
        Assert.Equal(LeadStates.Delivered, delivery!.Status);
        Assert.Equal(1, delivery.Attempts);

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var seen = await new LeadService.LeadServiceClient(channel).GetLeadAsync(new GetLeadRequest { Context = Calls.Context(), LeadId = lead.LeadId });
        Assert.Equal(LeadStatus.Delivered, seen.Status);
        Assert.Equal(["SHP-DEMO-0001"], seen.ShipmentIds);
        Assert.Equal(lead.Narrative, seen.Narrative);
    }

    [Fact]
    public async Task A_retried_CreateLead_returns_the_same_lead_and_delivers_it_once()
    {
        await using var receiver = await gateway.StartReceiverAsync("fr-customs");
        var requestId = Guid.NewGuid().ToString();
        var lead = await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0001", requestId);
        var retry = await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0001", requestId.ToUpperInvariant());
        Assert.Equal(lead.LeadId, retry.LeadId);

        await gateway.DeliverUntilSettledAsync();
        var again = await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0001", requestId);
        Assert.Equal(lead.LeadId, again.LeadId);
        Assert.Equal(LeadStatus.Delivered, again.Status);
        await gateway.DeliverUntilSettledAsync();

        Assert.Single(ReceivedLeads.Read(receiver.File.Path), id => id == lead.LeadId);
        Assert.Equal(1, (await gateway.Deliveries.FindAsync(lead.LeadId, CancellationToken.None))!.Attempts);
    }

    [Fact]
    public async Task With_the_receiver_failing_every_other_call_every_lead_arrives_exactly_once_and_none_is_lost()
    {
        // Odd calls fail: alternately refused before storing anything, and stored but answered with an
        // error (the answer "lost"), which forces redelivery of leads the receiver already has.
        await using var receiver = await gateway.StartReceiverAsync("fr-customs", call => (call % 4) switch
        {
            1 => ReceiverFault.RefuseBeforeWriting,
            3 => ReceiverFault.FailAfterWriting,
            _ => ReceiverFault.None,
        });
        var expected = new List<string>();
        for (var i = 0; i < 240; i++)
        {
            expected.Add(await gateway.InsertRiskEngineLeadAsync("fr-customs", "SHP-DEMO-0001"));
        }

        expected.Add((await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0001")).LeadId);

        var runs = await gateway.DeliverUntilSettledAsync();

        var received = ReceivedLeads.Read(receiver.File.Path);
        Assert.Equal(received.Count, received.Distinct().Count());        // stored once each, after dedup
        Assert.Equal(expected.Order(), received.Order());                  // none lost, none foreign
        Assert.True(receiver.File.Received > expected.Count, "some leads must have been redelivered");
        Assert.True(receiver.File.Calls >= 4 && runs > 1);
        foreach (var id in expected)
        {
            var delivery = await gateway.Deliveries.FindAsync(id, CancellationToken.None);
            Assert.Equal(LeadStates.Delivered, delivery!.Status);
        }

        // The risk-engine leads arrive with their reasons (the investigator's lead has none; order is by lead id).
        var pushed = File.ReadLines(receiver.File.Path).Select(Google.Protobuf.JsonParser.Default.Parse<Lead>).ToList();
        var riskLeads = pushed.Where(l => l.Source == LeadSource.RiskEngine).ToList();
        Assert.NotEmpty(riskLeads);
        Assert.All(riskLeads, l => Assert.Contains(l.Reasons, r => r.Code == "BRAND_PRICE_ANOMALY" && r.Weight == 60));
    }
}
