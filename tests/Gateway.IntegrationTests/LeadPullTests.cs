using System.Net;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Leads;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>
/// Pull, acknowledgement and visibility of leads, the retry window of push delivery, and the hit-rate
/// statistics. Only de-customs ever has a receiver in this fixture (a dead one); fr-customs pulls.
/// </summary>
public sealed class LeadPullTests(LeadsGateway gateway) : IClassFixture<LeadsGateway>
{
    private static LeadService.LeadServiceClient Leads(Grpc.Net.Client.GrpcChannel channel) => new(channel);

    [Fact]
    public async Task With_the_receiver_down_past_the_retry_window_deliveries_fail_and_the_leads_stay_pullable()
    {
        var receiver = await gateway.StartReceiverAsync("de-customs");
        await receiver.DisposeAsync();   // registered, then gone: every push is refused at connect
        var leads = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            leads.Add((await gateway.CreateLeadAsync("de-customs", "SHP-DEMO-0002")).LeadId);
        }

        var first = await gateway.DeliverJob.RunAsync(CancellationToken.None);
        Assert.Equal(3, first.Retrying);
        var pending = await gateway.Deliveries.FindAsync(leads[0], CancellationToken.None);
        Assert.Equal(LeadStates.Pending, pending!.Status);
        Assert.NotNull(pending.LastError);
        Assert.True(pending.NextAttemptAt > gateway.Clock.GetUtcNow().UtcDateTime);

        // Walk the clock through the window; nothing fails before the window is over.
        var started = gateway.Clock.GetUtcNow();
        DeliveryRunResult result;
        do
        {
            gateway.Clock.Advance(LeadsGateway.MaxBackoff);
            result = await gateway.DeliverJob.RunAsync(CancellationToken.None);
            if (gateway.Clock.GetUtcNow() - started < LeadsGateway.RetryWindow - LeadsGateway.MaxBackoff)
            {
                Assert.Equal(0, result.Failed);
            }
        }
        while (result.Failed == 0 && gateway.Clock.GetUtcNow() - started < 2 * LeadsGateway.RetryWindow);

        Assert.Equal(3, result.Failed);
        foreach (var id in leads)
        {
            var delivery = await gateway.Deliveries.FindAsync(id, CancellationToken.None);
            Assert.Equal(LeadStates.Failed, delivery!.Status);
            Assert.True(delivery.Attempts > 3);
        }

        Assert.True(gateway.Logged("marked FAILED, it stays pullable"));
        Assert.Equal(0, (await gateway.DeliverJob.RunAsync(CancellationToken.None)).Attempted);   // no more pushing

        using var de = gateway.Connect("de-customs");
        using var channel = de.CreateChannel();
        var failed = await Leads(channel).GetLeadAsync(new GetLeadRequest { Context = Calls.Context(), LeadId = leads[0] });
        Assert.Equal(LeadStatus.Failed, failed.Status);

        var pulled = await Leads(channel).PullLeadsAsync(new PullLeadsRequest { Context = Calls.Context() });
        Assert.Equal(leads.Order(), pulled.Leads.Select(l => l.LeadId).Order());
        Assert.All(pulled.Leads, l => Assert.Equal(LeadStatus.Delivered, l.Status));
        Assert.Empty((await Leads(channel).PullLeadsAsync(new PullLeadsRequest { Context = Calls.Context() })).Leads);
    }

    [Fact]
    public async Task An_agency_can_acknowledge_only_its_own_leads()
    {
        var lead = await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0004");
        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();

        var foreign = await Assert.ThrowsAsync<RpcException>(() => Leads(deChannel).AcknowledgeLeadsAsync(Ack(lead.LeadId, LeadDisposition.Rejected)).ResponseAsync);
        var absent = await Assert.ThrowsAsync<RpcException>(() => Leads(deChannel).AcknowledgeLeadsAsync(Ack("no-such-lead", LeadDisposition.Rejected)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(StatusCode.NotFound, absent.StatusCode);

        // All or nothing: one unknown id in the request and the agency's own lead is not touched either.
        var mixed = Ack(lead.LeadId, LeadDisposition.Accepted);
        mixed.Acks.Add(new LeadAck { LeadId = "no-such-lead", Disposition = LeadDisposition.Accepted });
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Leads(frChannel).AcknowledgeLeadsAsync(mixed).ResponseAsync)).StatusCode);

        var unchanged = await Leads(frChannel).GetLeadAsync(new GetLeadRequest { Context = Calls.Context(), LeadId = lead.LeadId });
        Assert.Equal(LeadStatus.Pending, unchanged.Status);
        Assert.Equal(LeadDisposition.Unspecified, unchanged.Disposition);

        var invalid = await Assert.ThrowsAsync<RpcException>(() => Leads(frChannel).AcknowledgeLeadsAsync(Ack(lead.LeadId, LeadDisposition.Unspecified)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains(invalid.BadRequest()!.FieldViolations, v => v.Field == "acks[0].disposition");

        var ok = await Leads(frChannel).AcknowledgeLeadsAsync(Ack(lead.LeadId, LeadDisposition.NeedsInfo, "Invoice of the consignor, please."));
        Assert.Equal([lead.LeadId], ok.AcknowledgedLeadIds);

        using var platform = gateway.Connect("platform");
        using var platformChannel = platform.CreateChannel();
        var seen = await Leads(platformChannel).GetLeadAsync(new GetLeadRequest { Context = Calls.Context(), LeadId = lead.LeadId });
        Assert.Equal(LeadStatus.Acknowledged, seen.Status);
        Assert.Equal(LeadDisposition.NeedsInfo, seen.Disposition);
        // Acknowledged leads are settled: not pulled again.
        Assert.DoesNotContain((await Leads(frChannel).PullLeadsAsync(new PullLeadsRequest { Context = Calls.Context() })).Leads, l => l.LeadId == lead.LeadId);
    }

    [Fact]
    public async Task A_lead_is_visible_to_its_agency_and_the_platform_only()
    {
        var lead = await gateway.CreateLeadAsync("fr-customs", "SHP-DEMO-0001");
        var request = new GetLeadRequest { Context = Calls.Context(), LeadId = lead.LeadId };

        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        Assert.Equal(lead.LeadId, (await Leads(frChannel).GetLeadAsync(request)).LeadId);

        using var platform = gateway.Connect("platform");
        using var platformChannel = platform.CreateChannel();
        Assert.Equal("investigator-12", (await Leads(platformChannel).GetLeadAsync(request)).InvestigatorId);

        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var other = await Assert.ThrowsAsync<RpcException>(() => Leads(deChannel).GetLeadAsync(request).ResponseAsync);
        var absent = await Assert.ThrowsAsync<RpcException>(() => Leads(deChannel).GetLeadAsync(new GetLeadRequest { Context = Calls.Context(), LeadId = "no-such-lead" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, other.StatusCode);
        Assert.Equal(absent.Status.Detail, other.Status.Detail);

        using var oversight = gateway.Connect("oversight");
        using var oversightChannel = oversight.CreateChannel();
        Assert.Equal(StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => Leads(oversightChannel).GetLeadAsync(request).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task Invalid_leads_are_refused_and_nothing_is_written()
    {
        var before = await CountLeadsAsync();
        using var platform = gateway.Connect("platform");
        using var channel = platform.CreateChannel();

        async Task<RpcException> Refused(Action<CreateLeadRequest> change)
        {
            var request = new CreateLeadRequest
            {
                Context = Calls.Context(), RequestId = Guid.NewGuid().ToString(), AgencyId = "fr-customs",
                ShipmentIds = { "SHP-DEMO-0001" }, Narrative = "n", InvestigatorId = "investigator-12",
            };
            change(request);
            return await Assert.ThrowsAsync<RpcException>(() => Leads(channel).CreateLeadAsync(request).ResponseAsync);
        }

        Assert.Contains((await Refused(r => r.AgencyId = "xx-customs")).BadRequest()!.FieldViolations, v => v.Field == "agency_id");
        Assert.Contains((await Refused(r => r.AgencyId = "platform")).BadRequest()!.FieldViolations, v => v.Field == "agency_id");
        Assert.Contains((await Refused(r => r.ShipmentIds[0] = "SHP-NOPE")).BadRequest()!.FieldViolations, v => v.Field == "shipment_ids");
        // A German parcel cannot be pointed out to the French agency: it could not look it up.
        var outside = await Refused(r => r.ShipmentIds[0] = "SHP-DEMO-0002");
        Assert.Contains(outside.BadRequest()!.FieldViolations, v => v.Description.Contains("outside the jurisdiction", StringComparison.Ordinal));
        Assert.Contains((await Refused(r => r.RequestId = "not-a-uuid")).BadRequest()!.FieldViolations, v => v.Field == "request_id");
        Assert.Contains((await Refused(r => r.Narrative = "")).BadRequest()!.FieldViolations, v => v.Field == "narrative");

        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var agencyCreating = await Assert.ThrowsAsync<RpcException>(() => Leads(frChannel).CreateLeadAsync(new CreateLeadRequest
        {
            Context = Calls.Context(), RequestId = Guid.NewGuid().ToString(), AgencyId = "de-customs",
            ShipmentIds = { "SHP-DEMO-0002" }, Narrative = "n", InvestigatorId = "i",
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, agencyCreating.StatusCode);

        Assert.Equal(before, await CountLeadsAsync());
    }

    [Fact]
    public async Task Dispositions_and_linked_seizures_give_the_hit_rate_per_agency_and_rule()
    {
        var stats = gateway.Services.GetRequiredService<LeadStats>();
        LeadStatsRow Row(IReadOnlyList<LeadStatsRow> rows, string rule) =>
            rows.SingleOrDefault(r => r.AgencyId == "fr-customs" && r.Rule == rule) ?? new LeadStatsRow("fr-customs", rule, 0, 0, 0, 0, 0, 0);
        var before = await stats.ComputeAsync(null);

        var hit = await gateway.InsertRiskEngineLeadAsync("fr-customs", "SHP-DEMO-0001");
        var miss = await gateway.InsertRiskEngineLeadAsync("fr-customs", "SHP-DEMO-0001");
        using (var fr = gateway.Connect("fr-customs"))
        using (var channel = fr.CreateChannel())
        {
            var ack = Ack(hit, LeadDisposition.Accepted);
            ack.Acks.Add(new LeadAck { LeadId = miss, Disposition = LeadDisposition.Rejected });
            await Leads(channel).AcknowledgeLeadsAsync(ack);
        }

        await InsertSeizureAsync("fr-customs", hit, "CONFIRMED_COUNTERFEIT");
        await InsertSeizureAsync("de-customs", miss, "CONFIRMED_COUNTERFEIT");   // another agency's seizure does not count

        var after = await stats.ComputeAsync(null);
        foreach (var rule in new[] { LeadStats.AllRules, "BRAND_PRICE_ANOMALY", "NEW_SELLER" })
        {
            var (b, a) = (Row(before, rule), Row(after, rule));
            Assert.Equal(b.Leads + 2, a.Leads);
            Assert.Equal(b.Accepted + 1, a.Accepted);
            Assert.Equal(b.Rejected + 1, a.Rejected);
            Assert.Equal(b.Seized + 1, a.Seized);
            Assert.Equal(b.Confirmed + 1, a.Confirmed);
            Assert.Equal((double)a.Confirmed / a.Leads, a.HitRate, 6);
        }
    }

    [Fact]
    public async Task The_jobs_dashboard_answers_on_the_admin_port_only()
    {
        using var http = new HttpClient();
        var admin = await http.GetAsync(new Uri($"http://127.0.0.1:{gateway.AdminPort}/hangfire/recurring"));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains(LeadsGatewayJobName, await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = gateway.TrustedServer;
        handler.SslOptions.ClientCertificates = [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(
            Path.Combine(gateway.Pki, "fr-customs.crt"), Path.Combine(gateway.Pki, "fr-customs.key"))];
        using var agencyPort = new HttpClient(handler);
        var refused = await agencyPort.GetAsync(new Uri(gateway.Address, "hangfire"));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    private const string LeadsGatewayJobName = DeliverLeadsJob.Name;

    private static AcknowledgeLeadsRequest Ack(string leadId, LeadDisposition disposition, string note = "") =>
        new() { Context = Calls.Context(), Acks = { new LeadAck { LeadId = leadId, Disposition = disposition, Note = note } } };

    private async Task<long> CountLeadsAsync()
    {
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM leads");
    }

    /// <summary>A seizure row as the seizures feature writes it (M0002's shared table), linked to a lead.</summary>
    private async Task InsertSeizureAsync(string agencyId, string leadId, string status)
    {
        var now = gateway.Clock.GetUtcNow().UtcDateTime;
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO seizures (seizure_id, agency_id, request_id, agency_reference, shipment_id, seller_id, lead_id,
                                  customs_office, detained_at, procedure, status, holder_response_due, created_at, updated_at)
            VALUES (@id, @agencyId, @id, 'REF', 'SHP-DEMO-0001', 'SEL-0001', @leadId, 'FR000001', @now, 'STANDARD', @status, @now, @now, @now)
            """, new { id = Guid.NewGuid().ToString(), agencyId, leadId, status, now });
    }
}
