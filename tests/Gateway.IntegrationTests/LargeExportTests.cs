using System.Diagnostics;
using Gateway.Contracts.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests;

/// <summary>A gateway holding 100,000 French shipments (and a few thousand German ones), written once for the class.</summary>
public sealed class LargeDataGateway : GatewayServer, IAsyncLifetime
{
    public const int FrenchShipments = 100_000;
    public const int GermanShipments = 5_000;

    public TimeSpan SeedTime { get; private set; }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var watch = Stopwatch.StartNew();
        await ShipmentData.BulkInsertAsync(this, "BULK-", FrenchShipments, "FR", "SEL-0001");
        await ShipmentData.BulkInsertAsync(this, "BULK-DE-", GermanShipments, "DE", "SEL-0001");
        SeedTime = watch.Elapsed;
    }
}

/// <summary>ExportShipments at volume over real mTLS: one stream of 100k+ shipments, and resumption after an interrupted stream.</summary>
public sealed class LargeExportTests(LargeDataGateway gateway, ITestOutputHelper output) : IClassFixture<LargeDataGateway>
{
    private async Task<List<string>> ExpectedFrenchIdsAsync() =>
        await ShipmentData.QueryIdsAsync(gateway, "SELECT shipment_id FROM shipment_countries WHERE country = 'FR' ORDER BY shipment_id");

    [Fact]
    public async Task Exports_more_than_100k_shipments_in_one_stream_in_order_without_gaps_or_duplicates()
    {
        output.WriteLine($"seeded {LargeDataGateway.FrenchShipments + LargeDataGateway.GermanShipments} shipments in {gateway.SeedTime.TotalSeconds:F1} s");
        var expected = await ExpectedFrenchIdsAsync();
        Assert.True(expected.Count > 100_000);

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var watch = Stopwatch.StartNew();
        using var call = new ShipmentService.ShipmentServiceClient(channel).ExportShipments(new ExportShipmentsRequest { Context = Calls.Context() });
        var ids = new List<string>(expected.Count);
        var batches = 0;
        while (await call.ResponseStream.MoveNext())
        {
            var batch = call.ResponseStream.Current;
            Assert.InRange(batch.Shipments.Count, 1, 1000);
            Assert.NotEmpty(batch.ResumeToken);
            // Spot-check the content, not only the ids: core data with its goods line, no personal data.
            Assert.Equal("FR", batch.Shipments[0].DestinationCountry);
            Assert.Single(batch.Shipments[0].Goods);
            Assert.Null(batch.Shipments[0].Consignee);
            ids.AddRange(batch.Shipments.Select(s => s.ShipmentId));
            batches++;
        }

        output.WriteLine($"exported {ids.Count} shipments in {batches} batches in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal(expected, ids);      // same ids, same order: no gaps, no duplicates, nothing outside FR
        Assert.Equal((expected.Count + 999) / 1000, batches);
    }

    [Fact]
    public async Task An_interrupted_export_resumes_after_the_last_batch_received_with_no_gaps_or_duplicates()
    {
        var expected = await ExpectedFrenchIdsAsync();
        var filter = new ShipmentFilter { HsCodePrefix = "64" };      // the bulk shipments all carry 640399
        expected = expected.Where(id => id.StartsWith("BULK-", StringComparison.Ordinal)).ToList();

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        var ids = new List<string>(expected.Count);
        var resumeToken = "";

        // First stream: the client goes away mid-export after 37 batches.
        using (var cancel = new CancellationTokenSource())
        {
            using var call = client.ExportShipments(new ExportShipmentsRequest { Context = Calls.Context(), Filter = filter, BatchSize = 700 }, cancellationToken: cancel.Token);
            var received = 0;
            var e = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    ids.AddRange(call.ResponseStream.Current.Shipments.Select(s => s.ShipmentId));
                    resumeToken = call.ResponseStream.Current.ResumeToken;
                    if (++received == 37)
                    {
                        await cancel.CancelAsync();
                    }
                }
            });
            Assert.Equal(StatusCode.Cancelled, e.StatusCode);
            // Batches already in flight may still arrive before the cancellation lands; the token follows them.
            Assert.InRange(ids.Count, 37 * 700, expected.Count - 1);
        }

        // Second stream, on a new connection as after a crash: continue from the last batch received.
        using var again = gateway.Connect("fr-customs");
        using var againChannel = again.CreateChannel();
        using (var call = new ShipmentService.ShipmentServiceClient(againChannel).ExportShipments(
            new ExportShipmentsRequest { Context = Calls.Context(), Filter = filter, BatchSize = 700, ResumeToken = resumeToken }))
        {
            while (await call.ResponseStream.MoveNext())
            {
                ids.AddRange(call.ResponseStream.Current.Shipments.Select(s => s.ShipmentId));
            }
        }

        Assert.Equal(expected, ids);

        // The resume token is bound to the filter: resuming with another filter is refused, not silently different.
        var wrong = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.ExportShipments(new ExportShipmentsRequest { Context = Calls.Context(), ResumeToken = resumeToken });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.InvalidArgument, wrong.StatusCode);
    }
}
