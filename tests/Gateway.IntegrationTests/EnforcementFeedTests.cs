using Gateway.Contracts.V1;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>
/// Confirmed counterfeits flow back to the marketplace: strikes, payout holds and exclusion
/// recommendations in a cursor-read feed that only the platform can read.
/// </summary>
public sealed class EnforcementFeedTests(SeizureGateway gateway) : IClassFixture<SeizureGateway>
{
    private DateTime Now => gateway.Clock.GetUtcNow().UtcDateTime;

    private static EnforcementFeedService.EnforcementFeedServiceClient Feed(Grpc.Net.Client.GrpcChannel channel) => new(channel);

    /// <summary>Reports a seizure of a new shipment of <paramref name="seller"/> and confirms it (as the given agency).</summary>
    private async Task<string> ConfirmedSeizureAsync(string agency, string seller, string destination)
    {
        using var connection = gateway.Connect(agency);
        using var channel = connection.CreateChannel();
        var client = new SeizureService.SeizureServiceClient(channel);
        var receipt = await client.ReportSeizureAsync(SeizureCalls.Report(await gateway.AddShipmentAsync(seller, destination), detainedAt: Now.AddHours(-2)));
        await client.UpdateSeizureStatusAsync(SeizureCalls.Update(receipt.SeizureId, SeizureStatus.ConfirmedCounterfeit, note: "confirmed by the right holder"));
        return receipt.SeizureId;
    }

    private async Task<List<EnforcementEvent>> ReadAllAsync(Grpc.Net.Client.GrpcChannel channel, int max = 0, string after = "")
    {
        var events = new List<EnforcementEvent>();
        for (var calls = 0; calls < 10_000; calls++)
        {
            var page = await Feed(channel).ListEnforcementEventsAsync(new ListEnforcementEventsRequest { AfterCursor = after, Max = max });
            if (page.Events.Count == 0)
            {
                Assert.Equal(after, page.NextCursor); // unchanged when there is nothing new
                return events;
            }

            Assert.Equal(page.Events[^1].Cursor, page.NextCursor);
            events.AddRange(page.Events);
            after = page.NextCursor;
        }

        throw new InvalidOperationException("The feed did not end.");
    }

    [Fact]
    public async Task Three_confirmed_seizures_of_one_seller_give_three_strikes_three_holds_and_one_exclusion_in_order()
    {
        var seller = SeizureGateway.NewSellerId();
        // Two agencies' confirmations count towards the same seller.
        string[] seizures =
        [
            await ConfirmedSeizureAsync("fr-customs", seller, "FR"),
            await ConfirmedSeizureAsync("de-customs", seller, "DE"),
            await ConfirmedSeizureAsync("fr-customs", seller, "FR"),
        ];

        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();
        var events = (await ReadAllAsync(channel)).Where(e => e.SellerId == seller).ToList();

        Assert.Equal(
        [
            EnforcementEventKind.StrikeRecorded, EnforcementEventKind.HoldPayouts,
            EnforcementEventKind.StrikeRecorded, EnforcementEventKind.HoldPayouts,
            EnforcementEventKind.StrikeRecorded, EnforcementEventKind.HoldPayouts, EnforcementEventKind.ExclusionRecommended,
        ], events.Select(e => e.Kind));
        Assert.Equal([seizures[0], seizures[0], seizures[1], seizures[1], seizures[2], seizures[2], seizures[2]], events.Select(e => e.SeizureId));
        Assert.Equal(["fr-customs", "fr-customs", "de-customs", "de-customs", "fr-customs", "fr-customs", "fr-customs"], events.Select(e => e.AgencyId));
        Assert.Equal(events.Select(e => long.Parse(e.Cursor, System.Globalization.CultureInfo.InvariantCulture)).Order(),
            events.Select(e => long.Parse(e.Cursor, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.StartsWith("3 strikes in 12 months", events[4].Detail, StringComparison.Ordinal);
        Assert.Equal("3 strikes in 12 months (threshold 3)", events[6].Detail);

        // A fourth strike is recorded and holds payouts, but the recommendation is not repeated.
        var fourth = await ConfirmedSeizureAsync("fr-customs", seller, "FR");
        var after = await Feed(channel).ListEnforcementEventsAsync(new ListEnforcementEventsRequest { AfterCursor = events[^1].Cursor, Max = 1000 });
        var mine = after.Events.Where(e => e.SellerId == seller).ToList();
        Assert.Equal([EnforcementEventKind.StrikeRecorded, EnforcementEventKind.HoldPayouts], mine.Select(e => e.Kind));
        Assert.All(mine, e => Assert.Equal(fourth, e.SeizureId));
        Assert.StartsWith("4 strikes in 12 months", mine[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nobody_but_the_platform_reads_the_feed()
    {
        await ConfirmedSeizureAsync("fr-customs", SeizureGateway.NewSellerId(), "FR");
        foreach (var client in new[] { "fr-customs", "de-customs", "oversight" })
        {
            using var connection = gateway.Connect(client);
            using var channel = connection.CreateChannel();
            var e = await Assert.ThrowsAsync<RpcException>(() => Feed(channel).ListEnforcementEventsAsync(new ListEnforcementEventsRequest()).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        }

        using var platform = gateway.Connect("platform");
        using var platformChannel = platform.CreateChannel();
        Assert.NotEmpty((await Feed(platformChannel).ListEnforcementEventsAsync(new ListEnforcementEventsRequest())).Events);
    }

    [Fact]
    public async Task Cursors_are_stable_so_a_reader_can_resume_or_replay()
    {
        var seller = SeizureGateway.NewSellerId();
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");

        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();
        var oneByOne = await ReadAllAsync(channel, max: 1);
        var atOnce = await ReadAllAsync(channel, max: 1000);
        Assert.Equal(atOnce, oneByOne);
        Assert.Equal(atOnce.Count, atOnce.Select(e => e.Cursor).Distinct().Count());

        // Resuming after any event yields exactly the events that follow it.
        var middle = atOnce.Count / 2;
        Assert.Equal(atOnce.Skip(middle + 1), await ReadAllAsync(channel, after: atOnce[middle].Cursor));

        var bad = await Assert.ThrowsAsync<RpcException>(() => Feed(channel).ListEnforcementEventsAsync(
            new ListEnforcementEventsRequest { AfterCursor = "-1" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal("after_cursor", bad.BadRequest()!.FieldViolations.Single().Field);
        var negative = await Assert.ThrowsAsync<RpcException>(() => Feed(channel).ListEnforcementEventsAsync(
            new ListEnforcementEventsRequest { Max = -5 }).ResponseAsync);
        Assert.Equal("max", negative.BadRequest()!.FieldViolations.Single().Field);
        // Above the maximum is served as the maximum, not refused.
        Assert.Equal(atOnce, (await Feed(channel).ListEnforcementEventsAsync(new ListEnforcementEventsRequest { Max = 5000 })).Events);
    }

    [Fact]
    public async Task A_strike_older_than_twelve_months_no_longer_counts()
    {
        var seller = SeizureGateway.NewSellerId();
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");
        // Thirteen months later the first two strikes have expired: the next two make 1 and 2, not 3 and 4…
        gateway.Clock.Advance(TimeSpan.FromDays(396));
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");
        // …and the one after reaches the threshold again.
        await ConfirmedSeizureAsync("fr-customs", seller, "FR");

        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();
        var events = (await ReadAllAsync(channel)).Where(e => e.SellerId == seller).ToList();
        var strikes = events.Where(e => e.Kind == EnforcementEventKind.StrikeRecorded).Select(e => e.Detail.Split(' ')[0]).ToList();
        Assert.Equal(["1", "2", "1", "2", "3"], strikes);
        Assert.Single(events, e => e.Kind == EnforcementEventKind.ExclusionRecommended);
        Assert.Equal(EnforcementEventKind.ExclusionRecommended, events[^1].Kind);
        Assert.Equal(5, events.Count(e => e.Kind == EnforcementEventKind.HoldPayouts));
    }
}
