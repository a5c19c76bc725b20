using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>
/// SeizureService over real mutual TLS, tokens and SQLite: idempotent reports under concurrent
/// retries, forward-only transitions, agency isolation, jurisdiction, validation and deadlines.
/// </summary>
public sealed class SeizureTests(SeizureGateway gateway) : IClassFixture<SeizureGateway>
{
    private const string ToFrance = "LX100000001CN";
    private const string ToGermany = "LX100000002CN";
    private const string ToBelgiumViaGermany = "LX100000003CN";

    private static SeizureService.SeizureServiceClient Client(Grpc.Net.Client.GrpcChannel channel) => new(channel);

    private DateTime Now => gateway.Clock.GetUtcNow().UtcDateTime;

    private static async Task<string> ReportAsync(SeizureService.SeizureServiceClient client, ReportSeizureRequest request)
    {
        var receipt = await client.ReportSeizureAsync(request);
        Assert.False(receipt.Duplicate);
        return receipt.SeizureId;
    }

    [Fact]
    public async Task Twenty_concurrent_retries_of_one_report_create_exactly_one_seizure()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);
        // Token and connection first, so the twenty calls really arrive together.
        await client.ListSeizuresAsync(new ListSeizuresRequest { Context = Calls.Context(), PageSize = 1 });

        var request = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-3));
        var receipts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.ReportSeizureAsync(request).ResponseAsync));

        Assert.Single(receipts, r => !r.Duplicate);
        Assert.Equal(19, receipts.Count(r => r.Duplicate));
        Assert.Single(receipts.Select(r => r.SeizureId).Distinct());
        Assert.All(receipts, r => Assert.Equal(SeizureStatus.Detained, r.Status));
        var seizureId = receipts[0].SeizureId;
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM seizures WHERE agency_id = 'fr-customs' AND request_id = @id", new { id = request.RequestId }));
        Assert.Equal(2, await gateway.CountAsync("SELECT COUNT(*) FROM seizure_items WHERE seizure_id = @seizureId", new { seizureId }));

        // A later retry (another spelling of the same UUID) still gets the first receipt and writes nothing.
        request.RequestId = request.RequestId.ToUpperInvariant();
        var late = await client.ReportSeizureAsync(request);
        Assert.True(late.Duplicate);
        Assert.Equal(seizureId, late.SeizureId);

        var seizure = await client.GetSeizureAsync(SeizureCalls.Get(seizureId));
        Assert.Equal("SHP-DEMO-0001", seizure.ShipmentId);
        Assert.Equal("fr-customs", seizure.AgencyId);
        Assert.Equal(SeizureStatus.Detained, seizure.Status);
        Assert.Equal(request.Seizure.Items, seizure.Items);
        // The seller is the shipment's, copied when the seizure was reported.
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM seizures WHERE seizure_id = @seizureId AND seller_id = 'SEL-0001'", new { seizureId }));
    }

    [Fact]
    public async Task The_same_request_id_with_a_different_payload_is_refused_not_answered_as_a_duplicate()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);
        var request = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        var seizureId = await ReportAsync(client, request);

        var different = request.Clone();
        different.Seizure.Items[0].Quantity = 200;
        var e = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(different).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.Equal("REQUEST_ID_REUSED", e.ErrorInfo()!.Reason);
        Assert.Equal(seizureId, e.ErrorInfo()!.Metadata["seizure_id"]);
        Assert.Equal(2, (await client.GetSeizureAsync(SeizureCalls.Get(seizureId))).Items[0].Quantity);

        // Another agency using the same request_id is a different key altogether.
        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var deRequest = SeizureCalls.Report(trackingNumber: ToGermany, detainedAt: Now.AddHours(-1), requestId: request.RequestId);
        Assert.NotEqual(seizureId, await ReportAsync(Client(deChannel), deRequest));
    }

    [Fact]
    public async Task Every_illegal_transition_is_refused_and_changes_nothing()
    {
        var seller = SeizureGateway.NewSellerId();
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);

        // One seizure in each status, reached by legal transitions.
        var paths = new Dictionary<SeizureStatus, SeizureStatus[]>
        {
            [SeizureStatus.Detained] = [],
            [SeizureStatus.ConfirmedCounterfeit] = [SeizureStatus.ConfirmedCounterfeit],
            [SeizureStatus.Released] = [SeizureStatus.Released],
            [SeizureStatus.Destroyed] = [SeizureStatus.ConfirmedCounterfeit, SeizureStatus.Destroyed],
            [SeizureStatus.InProceedings] = [SeizureStatus.ConfirmedCounterfeit, SeizureStatus.InProceedings],
        };
        var seizures = new Dictionary<SeizureStatus, string>();
        foreach (var (status, path) in paths)
        {
            var id = await ReportAsync(client, SeizureCalls.Report(await gateway.AddShipmentAsync(seller, "FR"), detainedAt: Now.AddDays(-1)));
            foreach (var step in path)
            {
                Assert.Equal(step, (await client.UpdateSeizureStatusAsync(SeizureCalls.Update(id, step))).Status);
            }

            seizures[status] = id;
        }

        var events = await gateway.CountAsync("SELECT COUNT(*) FROM enforcement_events WHERE seller_id = @seller", new { seller });
        var transitions = await gateway.CountAsync("SELECT COUNT(*) FROM seizure_transitions WHERE agency_id = 'fr-customs'");
        var legal = new HashSet<(SeizureStatus, SeizureStatus)>
        {
            (SeizureStatus.Detained, SeizureStatus.ConfirmedCounterfeit), (SeizureStatus.Detained, SeizureStatus.Released),
            (SeizureStatus.ConfirmedCounterfeit, SeizureStatus.Destroyed), (SeizureStatus.ConfirmedCounterfeit, SeizureStatus.InProceedings),
        };
        var refused = 0;
        foreach (var (from, id) in seizures)
        {
            foreach (var to in paths.Keys.Where(to => !legal.Contains((from, to))))
            {
                var e = await Assert.ThrowsAsync<RpcException>(() => client.UpdateSeizureStatusAsync(SeizureCalls.Update(id, to)).ResponseAsync);
                Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
                Assert.Equal(from, (await client.GetSeizureAsync(SeizureCalls.Get(id))).Status);
                refused++;
            }
        }

        Assert.Equal(21, refused); // 25 pairs, 4 of them legal.
        Assert.Equal(events, await gateway.CountAsync("SELECT COUNT(*) FROM enforcement_events WHERE seller_id = @seller", new { seller }));
        Assert.Equal(transitions, await gateway.CountAsync("SELECT COUNT(*) FROM seizure_transitions WHERE agency_id = 'fr-customs'"));

        // RELEASED after a confirmation is impossible, so a strike never needs undoing.
        var back = await Assert.ThrowsAsync<RpcException>(() => client.UpdateSeizureStatusAsync(
            SeizureCalls.Update(seizures[SeizureStatus.ConfirmedCounterfeit], SeizureStatus.Released)).ResponseAsync);
        Assert.Contains("allowed: DESTROYED, IN_PROCEEDINGS", back.Status.Detail, StringComparison.Ordinal);

        var unspecified = await Assert.ThrowsAsync<RpcException>(() => client.UpdateSeizureStatusAsync(
            SeizureCalls.Update(seizures[SeizureStatus.Detained], SeizureStatus.Unspecified)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unspecified.StatusCode);
        Assert.Equal("status", unspecified.BadRequest()!.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task A_retried_update_applies_once_even_when_the_retries_are_concurrent()
    {
        var seller = SeizureGateway.NewSellerId();
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);
        var id = await ReportAsync(client, SeizureCalls.Report(await gateway.AddShipmentAsync(seller, "FR"), detainedAt: Now.AddDays(-2)));

        var confirm = SeizureCalls.Update(id, SeizureStatus.ConfirmedCounterfeit, note: "Right holder confirmed: counterfeit.");
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.UpdateSeizureStatusAsync(confirm).ResponseAsync));
        Assert.All(results, s => Assert.Equal(SeizureStatus.ConfirmedCounterfeit, s.Status));
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM seizure_transitions WHERE seizure_id = @id", new { id }));
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM seller_strikes WHERE seller_id = @seller", new { seller }));
        Assert.Equal(2, await gateway.CountAsync("SELECT COUNT(*) FROM enforcement_events WHERE seller_id = @seller", new { seller }));

        // The seizure moves on; a late retry of the confirmation returns the current seizure and writes nothing.
        var destroy = SeizureCalls.Update(id, SeizureStatus.Destroyed);
        Assert.Equal(SeizureStatus.Destroyed, (await client.UpdateSeizureStatusAsync(destroy)).Status);
        var late = await client.UpdateSeizureStatusAsync(confirm);
        Assert.Equal(SeizureStatus.Destroyed, late.Status);
        Assert.Equal(2, await gateway.CountAsync("SELECT COUNT(*) FROM seizure_transitions WHERE seizure_id = @id", new { id }));
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM seller_strikes WHERE seller_id = @seller", new { seller }));

        // The same request_id for a different update is a client error, not a retry.
        var reused = confirm.Clone();
        reused.Status = SeizureStatus.InProceedings;
        var e = await Assert.ThrowsAsync<RpcException>(() => client.UpdateSeizureStatusAsync(reused).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.Equal("REQUEST_ID_REUSED", e.ErrorInfo()!.Reason);
    }

    [Fact]
    public async Task Agency_B_can_neither_read_nor_update_nor_list_agency_A_seizure()
    {
        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var frClient = Client(frChannel);
        var id = await ReportAsync(frClient, SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-5)));

        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var deClient = Client(deChannel);
        var absent = await Assert.ThrowsAsync<RpcException>(() => deClient.GetSeizureAsync(SeizureCalls.Get(Guid.NewGuid().ToString())).ResponseAsync);
        var get = await Assert.ThrowsAsync<RpcException>(() => deClient.GetSeizureAsync(SeizureCalls.Get(id)).ResponseAsync);
        var update = await Assert.ThrowsAsync<RpcException>(() => deClient.UpdateSeizureStatusAsync(SeizureCalls.Update(id, SeizureStatus.Released)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Equal(StatusCode.NotFound, update.StatusCode);
        Assert.Equal(absent.Status.Detail, get.Status.Detail);
        Assert.Equal(absent.Status.Detail, update.Status.Detail);

        var listed = await deClient.ListSeizuresAsync(new ListSeizuresRequest { Context = Calls.Context(), PageSize = 100 });
        Assert.DoesNotContain(listed.Seizures, s => s.SeizureId == id);
        Assert.All(listed.Seizures, s => Assert.Equal("de-customs", s.AgencyId));

        var mine = await frClient.GetSeizureAsync(SeizureCalls.Get(id));
        Assert.Equal(SeizureStatus.Detained, mine.Status);
        Assert.Equal(0, await gateway.CountAsync("SELECT COUNT(*) FROM seizure_transitions WHERE seizure_id = @id", new { id }));
    }

    [Fact]
    public async Task A_shipment_outside_the_jurisdiction_is_refused_exactly_like_an_absent_one()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);

        var outside = SeizureCalls.Report(trackingNumber: ToGermany, detainedAt: Now.AddHours(-1));
        var nowhere = SeizureCalls.Report(trackingNumber: "NO-SUCH-PARCEL", detainedAt: Now.AddHours(-1));
        var e1 = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(outside).ResponseAsync);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(nowhere).ResponseAsync);
        var byId = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(
            SeizureCalls.Report(shipmentId: "SHP-DEMO-0002", detainedAt: Now.AddHours(-1))).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, e1.StatusCode);
        Assert.Equal(StatusCode.NotFound, byId.StatusCode);
        Assert.Equal(e2.StatusCode, e1.StatusCode);
        Assert.Equal(e2.Status.Detail, e1.Status.Detail);
        Assert.Equal(0, await gateway.CountAsync("SELECT COUNT(*) FROM seizures WHERE request_id = @a OR request_id = @b",
            new { a = outside.RequestId, b = nowhere.RequestId }));

        // A routing country is jurisdiction: Germany may detain the parcel transiting to Belgium.
        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var id = await ReportAsync(Client(deChannel), SeizureCalls.Report(trackingNumber: ToBelgiumViaGermany, detainedAt: Now.AddHours(-1)));
        Assert.Equal("SHP-DEMO-0003", (await Client(deChannel).GetSeizureAsync(SeizureCalls.Get(id))).ShipmentId);
    }

    [Fact]
    public async Task A_lead_can_only_be_cited_by_the_agency_it_was_made_for()
    {
        async Task<string> LeadFor(string agency)
        {
            var leadId = "LEAD-T-" + Guid.NewGuid().ToString("N")[..10];
            await using var connection = await gateway.Database.OpenAsync();
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                INSERT INTO leads (lead_id, agency_id, dedup_key, source, seller_id, score, reasons, narrative, investigator_id, status, created_at, updated_at)
                VALUES (@leadId, @agency, @dedup, 'INVESTIGATOR', 'SEL-0001', 80, '[]', '', 'inv-1', 'DELIVERED', @now, @now)
                """, new { leadId, agency, dedup = "request:test:" + leadId, now = DateTime.UtcNow });
            return leadId;
        }

        var germanLead = await LeadFor("de-customs");
        var frenchLead = await LeadFor("fr-customs");
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);

        var foreign = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        foreign.Seizure.LeadId = germanLead;
        var missing = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        missing.Seizure.LeadId = "LEAD-NOPE";
        var e1 = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(foreign).ResponseAsync);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(missing).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e1.StatusCode);
        Assert.Equal(e2.Status.Detail, e1.Status.Detail);

        var own = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        own.Seizure.LeadId = frenchLead;
        var id = await ReportAsync(client, own);
        Assert.Equal(frenchLead, (await client.GetSeizureAsync(SeizureCalls.Get(id))).LeadId);
    }

    [Fact]
    public async Task Invalid_reports_are_refused_with_field_violations_and_write_nothing()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);
        var before = await gateway.CountAsync("SELECT COUNT(*) FROM seizures");

        var bad = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddDays(1));
        bad.RequestId = "retry-7";
        bad.Seizure.Procedure = SeizureProcedure.Unspecified;
        bad.Seizure.Items[1].Quantity = -1;
        bad.Seizure.Items[0].EstimatedValue.Currency = "EURO";
        var e = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(bad).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(
            ["request_id", "seizure.detained_at", "seizure.procedure", "seizure.items[0].estimated_value.currency", "seizure.items[1].quantity"],
            e.BadRequest()!.FieldViolations.Select(v => v.Field));

        // Text with NUL in a repeated message: the input guard names the item by its index.
        var nul = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        nul.Seizure.Items[1].Brand = "Nike\0";
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(nul).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(["seizure.items[1].brand"], refused.BadRequest()!.FieldViolations.Select(v => v.Field));

        var empty = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        empty.Seizure.Items.Clear();
        empty.Seizure.ClearShipmentRef();
        empty.Seizure.DetainedAt = null;
        e = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(empty).ResponseAsync);
        Assert.Equal(["seizure.shipment_ref", "seizure.detained_at", "seizure.items"], e.BadRequest()!.FieldViolations.Select(v => v.Field));

        var noSeizure = new ReportSeizureRequest { Context = Calls.Context(), RequestId = Guid.NewGuid().ToString() };
        e = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(noSeizure).ResponseAsync);
        Assert.Equal("seizure", e.BadRequest()!.FieldViolations.Single().Field);

        var noContext = SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1));
        noContext.Context = null;
        e = await Assert.ThrowsAsync<RpcException>(() => client.ReportSeizureAsync(noContext).ResponseAsync);
        Assert.Equal(["context.legal_basis", "context.case_reference"], e.BadRequest()!.FieldViolations.Select(v => v.Field));

        Assert.Equal(before, await gateway.CountAsync("SELECT COUNT(*) FROM seizures"));
    }

    [Fact]
    public async Task Holder_response_due_is_ten_working_days_skipping_weekends_and_the_agency_country_holidays()
    {
        // Fri 19 Dec 2025, 09:30 UTC. France (configured): 25 Dec and 1 Jan are holidays (27 Dec, a
        // Saturday, changes nothing) → Tue 6 Jan 2026. Germany (no holidays configured) → Fri 2 Jan.
        var detained = new DateTime(2025, 12, 19, 9, 30, 0, DateTimeKind.Utc);
        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var frId = await ReportAsync(Client(frChannel), SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: detained));
        var french = await Client(frChannel).GetSeizureAsync(SeizureCalls.Get(frId));
        Assert.Equal(new DateTime(2026, 1, 6, 9, 30, 0, DateTimeKind.Utc), french.HolderResponseDue.ToDateTime());
        Assert.Equal(detained, french.DetainedAt.ToDateTime());

        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var deId = await ReportAsync(Client(deChannel), SeizureCalls.Report(trackingNumber: ToGermany, detainedAt: detained));
        var german = await Client(deChannel).GetSeizureAsync(SeizureCalls.Get(deId));
        Assert.Equal(new DateTime(2026, 1, 2, 9, 30, 0, DateTimeKind.Utc), german.HolderResponseDue.ToDateTime());
    }

    [Fact]
    public async Task ListSeizures_pages_through_the_agency_own_seizures_newest_first_with_a_status_filter()
    {
        var seller = SeizureGateway.NewSellerId();
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Client(channel);
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await ReportAsync(client, SeizureCalls.Report(await gateway.AddShipmentAsync(seller, "FR"), detainedAt: Now.AddHours(-1))));
            gateway.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await client.UpdateSeizureStatusAsync(SeizureCalls.Update(created[1], SeizureStatus.Released));

        var all = await client.ListSeizuresAsync(new ListSeizuresRequest { Context = Calls.Context(), PageSize = 100 });
        var paged = new List<Seizure>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await client.ListSeizuresAsync(new ListSeizuresRequest { Context = Calls.Context(), PageSize = 2, PageToken = token });
            Assert.True(page.Seizures.Count <= 2);
            paged.AddRange(page.Seizures);
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 100);

        Assert.Equal(all.Seizures.Select(s => s.SeizureId), paged.Select(s => s.SeizureId));
        Assert.Equal(paged.Count, paged.Select(s => s.SeizureId).Distinct().Count());
        Assert.All(paged, s => Assert.Equal("fr-customs", s.AgencyId));
        // Newest first: ours are the five most recent, in reverse order of creation.
        Assert.Equal(Enumerable.Reverse(created), paged.Take(5).Select(s => s.SeizureId));

        var released = await client.ListSeizuresAsync(new ListSeizuresRequest { Context = Calls.Context(), Status = SeizureStatus.Released });
        Assert.Contains(released.Seizures, s => s.SeizureId == created[1]);
        Assert.All(released.Seizures, s => Assert.Equal(SeizureStatus.Released, s.Status));

        var e = await Assert.ThrowsAsync<RpcException>(() => client.ListSeizuresAsync(
            new ListSeizuresRequest { Context = Calls.Context(), PageToken = "garbage" }).ResponseAsync);
        Assert.Equal("page_token", e.BadRequest()!.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task Reading_needs_seizures_read_and_reporting_needs_seizures_write()
    {
        using var readOnly = gateway.Connect("fr-customs", scopes: ["seizures:read"]);
        using var channel = readOnly.CreateChannel();
        var e = await Assert.ThrowsAsync<RpcException>(() => Client(channel).ReportSeizureAsync(
            SeizureCalls.Report(trackingNumber: ToFrance, detainedAt: Now.AddHours(-1))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);

        using var platform = gateway.Connect("platform");
        using var platformChannel = platform.CreateChannel();
        e = await Assert.ThrowsAsync<RpcException>(() => Client(platformChannel).ListSeizuresAsync(
            new ListSeizuresRequest { Context = Calls.Context() }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task The_cli_reports_retries_with_the_same_request_id_updates_and_lists()
    {
        var common = new Gateway.Client.Commands.CommonOptions();
        var root = new System.CommandLine.RootCommand();
        common.AddTo(root);
        root.Add(Gateway.Client.Commands.SeizureCommands.Create(common));
        // The address comes from a profile: the shared --address option cannot parse a Uri in System.CommandLine 3 (reported).
        var profile = Path.Combine(gateway.Root, "fr-profile.json");
        await File.WriteAllTextAsync(profile, System.Text.Json.JsonSerializer.Serialize(new
        {
            address = gateway.Address, clientId = "fr-customs", ca = Path.Combine(gateway.Pki, "ca.crt"),
            cert = Path.Combine(gateway.Pki, "fr-customs.crt"), key = Path.Combine(gateway.Pki, "fr-customs.key"),
        }));
        string[] connect = ["--profile", profile, "--legal-basis", "EU 608/2013 art. 17", "--case", "FR-CLI-0001"];
        var requestId = Guid.NewGuid().ToString();
        string[] report =
        [
            "seizures", "report", "--request-id", requestId, "--tracking-number", ToFrance, "--customs-office", "FR000730",
            "--procedure", "small_consignment", "--detained-at", Now.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            "--item", "Gucci;handbags;3;TRADEMARK;4900;EUR", "--item", "Rolex;watches;1;trademark", .. connect,
        ];

        Assert.Equal(0, await root.Parse(report).InvokeAsync());
        Assert.Equal(0, await root.Parse(report).InvokeAsync()); // the retry
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM seizures WHERE agency_id = 'fr-customs' AND request_id = @requestId", new { requestId }));

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var id = (await Client(channel).ListSeizuresAsync(new ListSeizuresRequest { Context = Calls.Context(), PageSize = 100 }))
            .Seizures.Single(s => s.Items.Count == 2 && s.Items[1].Brand == "Rolex" && s.Items[0].Quantity == 3).SeizureId;
        Assert.Equal(0, await root.Parse(["seizures", "update", "--id", id, "--status", "RELEASED", "--note", "genuine", .. connect]).InvokeAsync());
        Assert.Equal(SeizureStatus.Released, (await Client(channel).GetSeizureAsync(SeizureCalls.Get(id))).Status);
        Assert.Equal(0, await root.Parse(["seizures", "list", "--status", "RELEASED", "--all", .. connect]).InvokeAsync());
        Assert.NotEqual(0, await root.Parse(["seizures", "update", "--id", id, "--status", "DESTROYED", .. connect]).InvokeAsync());
    }
}
