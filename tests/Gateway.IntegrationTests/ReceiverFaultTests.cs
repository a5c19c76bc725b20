using Gateway.Client.Receiver;
using Gateway.Contracts.V1;
using Gateway.Server.Leads;

namespace Gateway.IntegrationTests;

/// <summary>The lead-push gateway with a 2 s push deadline, so a receiver that never answers costs a test 2 s.</summary>
public sealed class ReceiverFaultsGateway : LeadsGateway
{
    public override TimeSpan PushTimeout => TimeSpan.FromSeconds(2);
}

/// <summary>
/// Receiver faults beyond the refusals of <see cref="LeadPushTests"/>: a receiver that never answers
/// within the push deadline, one that resets the TCP connection mid-request, one that answers slowly
/// (under and over the deadline, storing late in the second case), one behind a proxy answering HTTP 503.
/// For each: the leads stay in the outbox and are retried with back-off, none is lost, none is stored
/// twice once the receiver recovers, the gateway keeps serving, and another agency's receiver gets its
/// leads on the first attempt in the same run. Real receivers (the reference receiver, Kestrel, mutual TLS).
/// </summary>
public sealed class ReceiverFaultTests(ReceiverFaultsGateway gateway, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ReceiverFaultsGateway>
{
    [Theory]
    [InlineData(nameof(ReceiverFault.NeverAnswer), 0)]
    [InlineData(nameof(ReceiverFault.ResetConnection), 0)]
    [InlineData(nameof(ReceiverFault.AnswerSlowly), 4000)] // over the 2 s deadline: stored late, the answer lost
    [InlineData(nameof(ReceiverFault.Http503), 0)]
    public async Task A_faulty_receiver_keeps_its_leads_in_the_outbox_with_backoff_and_gets_each_once_after_recovery(string faultName, int delayMs)
    {
        var fault = Enum.Parse<ReceiverFault>(faultName);
        var faulty = true;
        await using var fr = await gateway.StartReceiverAsync("fr-customs", _ => Volatile.Read(ref faulty) ? fault : ReceiverFault.None, TimeSpan.FromMilliseconds(delayMs));
        await using var de = await gateway.StartReceiverAsync("de-customs");
        var frLeads = await InsertAsync("fr-customs", 5);
        var deLeads = await InsertAsync("de-customs", 3);

        var first = await gateway.DeliverJob.RunAsync(CancellationToken.None);
        Assert.Equal(frLeads.Count, first.Retrying);
        Assert.Equal(0, first.Failed);
        foreach (var id in frLeads)
        {
            var delivery = (await gateway.Deliveries.FindAsync(id, CancellationToken.None))!;
            Assert.Equal(LeadStates.Pending, delivery.Status);
            Assert.Equal(1, delivery.Attempts);
            Assert.False(string.IsNullOrEmpty(delivery.LastError));
            output.WriteLine($"{faultName}: {delivery.LastError}");
            // The fault really happened as injected (a deadline, a reset socket, an HTTP 503). A reset
            // surfaces as ECONNRESET when the client was reading and as EPIPE when it was still writing.
            string[] signs = fault switch
            {
                ReceiverFault.ResetConnection => ["Connection reset", "Broken pipe"],
                ReceiverFault.Http503 => ["HTTP status code: 503"],
                _ => ["DeadlineExceeded"],
            };
            Assert.True(signs.Any(sign => delivery.LastError!.Contains(sign, StringComparison.Ordinal)),
                $"'{delivery.LastError}' shows none of: {string.Join(", ", signs)}");
            Assert.True(delivery.NextAttemptAt > gateway.Clock.GetUtcNow().UtcDateTime, "rescheduled with back-off, not retried at once");
        }

        // The other agency is unaffected: delivered in the same run, on the first attempt.
        await AssertDeliveredOnceAsync(de, deLeads, attempts: 1);

        // Back-off is honoured: nothing is due until the clock moves.
        Assert.Equal(0, (await gateway.DeliverJob.RunAsync(CancellationToken.None)).Attempted);

        // The gateway itself kept serving.
        await AssertGatewayServesAsync();

        if (fault == ReceiverFault.AnswerSlowly)
        {
            // The slow receiver stores the batch after the gateway gave up: wait for it, so the retry below
            // must be recognised as a duplicate by the receiver.
            await WaitUntilAsync(() => fr.File.Received >= frLeads.Count);
        }

        Volatile.Write(ref faulty, false);
        gateway.Clock.Advance(LeadsGateway.MaxBackoff);
        await gateway.DeliverUntilSettledAsync();

        await AssertDeliveredOnceAsync(fr, frLeads, attempts: 2);
        if (fault == ReceiverFault.AnswerSlowly)
        {
            Assert.True(fr.File.Received >= 2 * frLeads.Count, "the late-stored batch was redelivered and deduplicated");
        }
    }

    [Fact]
    public async Task A_receiver_answering_within_the_deadline_however_slowly_gets_the_leads_on_the_first_attempt()
    {
        await using var fr = await gateway.StartReceiverAsync("fr-customs", _ => ReceiverFault.AnswerSlowly, TimeSpan.FromMilliseconds(500));
        var frLeads = await InsertAsync("fr-customs", 4);

        var run = await gateway.DeliverJob.RunAsync(CancellationToken.None);
        Assert.Equal(frLeads.Count, run.Delivered);
        Assert.Equal(0, run.Retrying);
        await AssertDeliveredOnceAsync(fr, frLeads, attempts: 1);
    }

    private async Task<List<string>> InsertAsync(string agencyId, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await gateway.InsertRiskEngineLeadAsync(agencyId, agencyId == "fr-customs" ? "SHP-DEMO-0001" : "SHP-DEMO-0002"));
        }

        return ids;
    }

    private async Task AssertDeliveredOnceAsync(LeadReceiverHost receiver, List<string> leadIds, int attempts)
    {
        var stored = ReceivedLeads.Read(receiver.File.Path);
        foreach (var id in leadIds)
        {
            Assert.Single(stored, s => s == id);
            var delivery = (await gateway.Deliveries.FindAsync(id, CancellationToken.None))!;
            Assert.Equal(LeadStates.Delivered, delivery.Status);
            Assert.Equal(attempts, delivery.Attempts);
        }
    }

    private async Task AssertGatewayServesAsync()
    {
        using var connection = gateway.Connect("fr-customs");
        using var channel = connection.CreateChannel();
        var shipment = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        Assert.NotNull(shipment);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
