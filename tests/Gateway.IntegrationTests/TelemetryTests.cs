using Gateway.Contracts.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Gateway.IntegrationTests;

/// <summary>The gateway's OpenTelemetry pipeline with an in-memory exporter attached (the seam an OTLP collector would use).</summary>
public sealed class TelemetryGateway : GatewayServer
{
    public List<Metric> Exported { get; } = [];

    protected override void Customise(WebApplicationBuilder builder) =>
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Exported));

    public List<MetricPoint> Points(string metric)
    {
        // Cumulative temporality: the latest export holds the totals, so keep only that one.
        Exported.Clear();
        Services.GetRequiredService<MeterProvider>().ForceFlush();
        var points = new List<MetricPoint>();
        foreach (var m in Exported.Where(m => m.Name == metric))
        {
            foreach (ref readonly var point in m.GetMetricPoints())
            {
                points.Add(point);
            }
        }

        return points;
    }
}

public sealed class TelemetryTests(TelemetryGateway gateway) : IClassFixture<TelemetryGateway>
{
    private static Dictionary<string, string?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, string?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value?.ToString();
        }

        return tags;
    }

    [Fact]
    public async Task GetShipment_calls_are_counted_and_timed_by_rpc_agency_and_status()
    {
        // An agency of this test's own: the meter is process-wide and other fixtures' gateways call
        // as fr-customs in parallel, so exact counts need a tag value nobody else uses.
        const string agency = "tm-customs";
        var subject = "CN=tm-customs, O=Telemetry test agency, C=FR";
        Gateway.Server.Pki.DevPki.IssueClient(gateway.Pki, agency, subject);
        await gateway.Agencies.AddAsync(new Gateway.Server.Agencies.Agency(agency, Gateway.Server.Agencies.Agency.KindAgency, "Telemetry test",
            Gateway.Server.Agencies.Agency.StatusActive, ["FR"], ["shipments:read"], new HashSet<DataSubset> { DataSubset.ShipmentCore }, subject, null, 60));
        using var fr = gateway.Connect(agency);
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(Calls.ByTracking("LX100000002CN")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);

        const string rpc = "/gateway.v1.ShipmentService/GetShipment";
        long Count(string status) => gateway.Points("gateway.rpc.calls")
            .Where(p => Tags(p) is var t && t["rpc"] == rpc && t["agency"] == agency && t["status"] == status)
            .Sum(p => p.GetSumLong());
        Assert.Equal(2, Count("OK"));
        Assert.Equal(1, Count("NotFound"));

        var latency = gateway.Points("gateway.rpc.duration")
            .Where(p => Tags(p) is var t && t["rpc"] == rpc && t["agency"] == agency && t["status"] == "OK").ToList();
        Assert.Equal(2, latency.Sum(p => p.GetHistogramCount()));
        Assert.True(latency.Sum(p => p.GetHistogramSum()) > 0);

        // The audit writer's group commits are measured too: every one of these calls was recorded.
        Assert.True(gateway.Points("gateway.audit.batch_size").Sum(p => p.GetHistogramSum()) >= 3);
    }

    [Fact]
    public async Task A_call_without_a_token_is_counted_as_unauthenticated_for_an_unknown_agency()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel(_ => Task.FromResult<string?>(null));
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);

        Assert.Contains(gateway.Points("gateway.rpc.calls"), p => Tags(p) is var t
            && t["agency"] == "unknown" && t["status"] == "Unauthenticated" && t["rpc"] == "/gateway.v1.ShipmentService/GetShipment");
    }

    [Fact]
    public async Task Ingest_batches_report_how_long_they_held_the_write_lock_by_kind()
    {
        long Batches(string kind) => gateway.Points("gateway.ingest.batch_duration")
            .Where(p => Tags(p) is var t && t["kind"] == kind).Sum(p => p.GetHistogramCount());
        var before = Batches("shipments");

        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();
        var client = new IngestService.IngestServiceClient(channel);
        using (var sellers = client.UpsertSellers())
        {
            await sellers.RequestStream.WriteAsync(IngestTests.Seller("SEL-TM-1"));
            await sellers.RequestStream.CompleteAsync();
            Assert.Equal(1, (await sellers).Inserted);
        }

        using (var shipments = client.UpsertShipments())
        {
            await shipments.RequestStream.WriteAsync(IngestTests.Parcel("SHP-TM-1", "SEL-TM-1"));
            await shipments.RequestStream.WriteAsync(IngestTests.Parcel("SHP-TM-2", "SEL-TM-1"));
            await shipments.RequestStream.CompleteAsync();
            Assert.Equal(2, (await shipments).Inserted);
        }

        // Two records, one batch. Other fixtures ingest in parallel in this process, so at least one more.
        Assert.True(Batches("shipments") >= before + 1);
        Assert.True(Batches("sellers") >= 1);
        Assert.True(gateway.Points("gateway.ingest.batch_duration").Where(p => Tags(p)["kind"] == "shipments").Sum(p => p.GetHistogramSum()) > 0);
    }

    [Fact]
    public async Task Job_runs_are_counted_by_job_and_outcome()
    {
        var runner = gateway.Services.GetRequiredService<Gateway.Server.Jobs.GatewayJobRunner>();
        await runner.RunAsync(Gateway.Server.Risk.ScoreShipmentsJob.JobName, CancellationToken.None);

        Assert.Contains(gateway.Points("gateway.jobs.runs"), p => Tags(p) is var t
            && t["job"] == "score-shipments" && t["outcome"] == "succeeded" && p.GetSumLong() >= 1);
        Assert.Contains(gateway.Points("gateway.risk.shipments_scored"), p => p.GetSumLong() >= 1);
    }
}
