using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>
/// Tight limits so they can be reached in a test: a bucket of 20 calls refilled by one per hour, two
/// calls in flight per agency, 64 KiB requests; and 5,000 French shipments to export in 50 batches.
/// Each test uses its own agency, so their buckets do not interfere.
/// </summary>
public sealed class LimitsGateway : GatewayServer, IAsyncLifetime
{
    public const int Burst = 20;
    public const int Shipments = 5_000;

    protected override IEnumerable<string> AdditionalArgs() =>
    [
        $"--Gateway:Limits:Burst={Burst}",
        "--Gateway:Limits:CallsPerPeriod=1",
        "--Gateway:Limits:ReplenishmentPeriod=01:00:00",
        "--Gateway:Limits:MaxConcurrentCalls=2",
        "--Gateway:Limits:MaxReceiveMessageBytes=65536",
    ];

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ShipmentData.BulkInsertAsync(this, "LIM-", Shipments, "FR", "SEL-0001");
    }

    internal async Task<List<(int Status, long Returned)>> AuditAsync(string agencyId, string rpc)
    {
        await using var connection = await Services.GetRequiredService<Database>().OpenAsync();
        return (await connection.QueryAsync<(int, long)>(
            "SELECT status_code, records_returned FROM audit_log WHERE agency_id = @agencyId AND rpc = @rpc ORDER BY sequence",
            new { agencyId, rpc })).AsList();
    }
}

public sealed class LimitsTests(LimitsGateway gateway) : IClassFixture<LimitsGateway>
{
    [Fact]
    public async Task An_agency_over_its_rate_gets_resource_exhausted_with_retry_info_audited_once_and_others_are_unaffected()
    {
        using var de = gateway.Connect("de-customs");
        using var channel = de.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        for (var i = 0; i < LimitsGateway.Burst; i++)
        {
            await client.GetShipmentAsync(Calls.ByTracking("LX100000002CN"));
        }

        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(Calls.ByTracking("LX100000002CN")).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("RATE_LIMITED", e.ErrorInfo()!.Reason);
        var retry = e.GetRpcStatus()!.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        // One call per hour comes back: the hint says so (roughly), rather than "try again now".
        Assert.InRange(retry.RetryDelay.ToTimeSpan(), TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));

        // Another agency has its own bucket.
        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        Assert.Equal("FR", (await new ShipmentService.ShipmentServiceClient(frChannel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);

        // The refusal is in the audit log, exactly once, after the 20 allowed calls.
        var audit = await gateway.AuditAsync("de-customs", "/gateway.v1.ShipmentService/GetShipment");
        Assert.Equal(LimitsGateway.Burst, audit.Count(a => a.Status == (int)StatusCode.OK));
        Assert.Single(audit, a => a.Status == (int)StatusCode.ResourceExhausted);
    }

    [Fact]
    public async Task Calls_beyond_the_agencys_concurrency_limit_are_refused_until_one_ends()
    {
        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();
        var ingest = new IngestService.IngestServiceClient(channel);
        var feed = new EnforcementFeedService.EnforcementFeedServiceClient(channel);

        // Two client streams left open hold the platform's two slots.
        using var first = ingest.UpsertSellers();
        using var second = ingest.UpsertSellers();
        await first.RequestStream.WriteAsync(Gateway.Server.Demo.DemoData.Sellers().First());
        await second.RequestStream.WriteAsync(Gateway.Server.Demo.DemoData.Sellers().First());

        // The streams reach the server asynchronously: wait (bounded) until both hold their slot.
        var limiter = gateway.Services.GetRequiredService<Gateway.Server.Limits.AgencyLimiter>();
        for (var attempt = 0; attempt < 200 && limiter.InFlight("platform") < 2; attempt++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(2, limiter.InFlight("platform"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => feed.ListEnforcementEventsAsync(new ListEnforcementEventsRequest { Max = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("TOO_MANY_CONCURRENT_CALLS", refused.ErrorInfo()!.Reason);
        Assert.NotNull(refused.GetRpcStatus()!.GetDetail<RetryInfo>());

        // One stream ends: its slot is free again.
        await first.RequestStream.CompleteAsync();
        Assert.Equal(1, (await first.ResponseAsync).Received);
        await feed.ListEnforcementEventsAsync(new ListEnforcementEventsRequest { Max = 1 });
        await second.RequestStream.CompleteAsync();
        await second.ResponseAsync;
    }

    [Fact]
    public async Task A_request_larger_than_the_configured_maximum_is_resource_exhausted_and_the_server_stays_up()
    {
        using var oversight = gateway.Connect("oversight");
        using var channel = oversight.CreateChannel();
        var audit = new AuditService.AuditServiceClient(channel);
        var huge = new VerifyAuditRequest { Context = Calls.Context() };
        huge.Context.StatementOfReasons = new string('x', 70_000);

        var e = await Assert.ThrowsAsync<RpcException>(() => audit.VerifyAuditAsync(huge).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);

        Assert.True((await audit.VerifyAuditAsync(new VerifyAuditRequest { Context = Calls.Context() })).Ok);
    }

    [Fact]
    public async Task A_message_of_shipments_over_the_maximum_is_resource_exhausted_and_writes_nothing()
    {
        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();
        var ingest = new IngestService.IngestServiceClient(channel);
        var parcels = Enumerable.Range(0, 400).Select(i => IngestTests.Parcel($"SHP-LIM-B-{i:D3}", "SEL-0001")).ToList();
        var whole = new ShipmentIngestBatch { Shipments = { parcels } };
        Assert.True(whole.CalculateSize() > 65_536);

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = ingest.UpsertShipmentBatches();
            await call.RequestStream.WriteAsync(whole);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal(0, await CountAsync());

        // The same shipments in messages within the maximum are taken.
        using var accepted = ingest.UpsertShipmentBatches();
        foreach (var chunk in parcels.Chunk(100))
        {
            await accepted.RequestStream.WriteAsync(new ShipmentIngestBatch { Shipments = { chunk } });
        }

        await accepted.RequestStream.CompleteAsync();
        var summary = await accepted.ResponseAsync;
        Assert.Equal((400L, 400L, 0L), (summary.Received, summary.Inserted, summary.Rejected));
        Assert.Equal(400, await CountAsync());

        // Both calls are in the audit log, the refused one with its status.
        var audit = await gateway.AuditAsync("platform", "/gateway.v1.IngestService/UpsertShipmentBatches");
        Assert.Equal([(int)StatusCode.ResourceExhausted, (int)StatusCode.OK], audit.Select(a => a.Status));

        async Task<long> CountAsync()
        {
            await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
            return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'SHP-LIM-B-%'");
        }
    }

    [Fact]
    public async Task A_cancelled_export_stops_streaming_and_is_audited_as_cancelled()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        using var cancel = new CancellationTokenSource();
        using var call = new ShipmentService.ShipmentServiceClient(channel).ExportShipments(
            new ExportShipmentsRequest { Context = Calls.Context(), BatchSize = 100 }, cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(100, call.ResponseStream.Current.Shipments.Count);
        await cancel.CancelAsync();

        var record = await AuditedAsync("fr-customs", "/gateway.v1.ShipmentService/ExportShipments");
        Assert.Equal((int)StatusCode.Cancelled, record.Status);
        // The server stopped soon after: at most what HTTP/2 flow control let it buffer ahead, far from all of it.
        Assert.InRange(record.Returned, 100, LimitsGateway.Shipments / 4);
    }

    [Fact]
    public async Task An_export_past_its_deadline_stops_and_its_audit_record_shows_it_ended_early()
    {
        // fr-customs' bucket is the cancelled export's; an export needs shipments:read, so a fresh FR client of its own.
        var subject = "CN=limits-fr, O=Limits (test), C=FR";
        Gateway.Server.Pki.DevPki.IssueClient(gateway.Pki, "limits-fr", subject);
        await gateway.Agencies.AddAsync(new Gateway.Server.Agencies.Agency("limits-fr", "agency", "limits", "active", ["FR"], ["shipments:read"],
            new HashSet<DataSubset> { DataSubset.ShipmentCore }, subject, null, 60));
        using var fr = gateway.Connect("limits-fr");
        using var channel = fr.CreateChannel();
        await fr.GetAccessTokenAsync();
        using var call = new ShipmentService.ShipmentServiceClient(channel).ExportShipments(
            new ExportShipmentsRequest { Context = Calls.Context(), BatchSize = 100 }, deadline: DateTime.UtcNow.AddSeconds(2));
        Assert.True(await call.ResponseStream.MoveNext());

        // Read nothing more: the server fills the flow-control window, then waits, until the deadline ends the call.
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);

        var record = await AuditedAsync("limits-fr", "/gateway.v1.ShipmentService/ExportShipments");
        // Recorded as the end of the call, whichever exception the handler met: DEADLINE_EXCEEDED when the server's
        // deadline ended it, CANCELLED when the client's own deadline reset the stream first.
        Assert.Contains(record.Status, new[] { (int)StatusCode.Cancelled, (int)StatusCode.DeadlineExceeded });
        Assert.InRange(record.Returned, 100, LimitsGateway.Shipments / 4);
    }

    /// <summary>The one audit record of a stream, written when the server's handler has finished (poll, bounded).</summary>
    private async Task<(int Status, long Returned)> AuditedAsync(string agencyId, string rpc)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var records = await gateway.AuditAsync(agencyId, rpc);
            if (records.Count > 0)
            {
                return Assert.Single(records);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No audit record for {rpc} of {agencyId}.");
    }
}
