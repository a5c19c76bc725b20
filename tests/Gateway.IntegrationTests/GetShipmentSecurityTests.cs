using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>
/// One agency call crossing mutual TLS and a certificate-bound OAuth token to real data, and every
/// way it must be refused. Real Kestrel, real TLS handshakes, real OpenIddict tokens, real SQLite.
/// </summary>
public sealed class GetShipmentSecurityTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    // Demo data (see Demo/DemoData.cs): LX…1CN goes to FR, LX…2CN to DE, LX…3CN to BE via DE.
    private const string ToFrance = "LX100000001CN";
    private const string ToGermany = "LX100000002CN";
    private const string ToBelgiumViaGermany = "LX100000003CN";

    private static ShipmentService.ShipmentServiceClient Shipments(Grpc.Net.Client.GrpcChannel channel) => new(channel);

    [Fact]
    public async Task Valid_certificate_token_and_scope_returns_the_shipment_by_each_key()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Shipments(channel);

        var byTracking = await client.GetShipmentAsync(Calls.ByTracking(ToFrance));
        Assert.Equal("SHP-DEMO-0001", byTracking.ShipmentId);
        Assert.Equal("FR", byTracking.DestinationCountry);
        Assert.Single(byTracking.Goods);
        Assert.Equal(700, byTracking.Goods[0].IntrinsicValue.AmountMinor);

        var byId = await client.GetShipmentAsync(new GetShipmentRequest { Context = Calls.Context(), ShipmentId = "SHP-DEMO-0001" });
        Assert.Equal(ToFrance, byId.TrackingNumber);

        var byMrn = await client.GetShipmentAsync(new GetShipmentRequest { Context = Calls.Context(), Mrn = byId.Mrn });
        Assert.Equal("SHP-DEMO-0001", byMrn.ShipmentId);
    }

    [Fact]
    public async Task A_routing_country_puts_a_shipment_in_that_jurisdiction()
    {
        using var de = gateway.Connect("de-customs");
        using var channel = de.CreateChannel();
        var shipment = await Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToBelgiumViaGermany));
        Assert.Equal("BE", shipment.DestinationCountry);
        Assert.Equal(["DE"], shipment.CountriesOfRouting);
    }

    [Fact]
    public async Task Outside_the_jurisdiction_is_not_found_exactly_like_an_absent_shipment()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Shipments(channel);

        var outside = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(Calls.ByTracking(ToGermany)).ResponseAsync);
        var absent = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(Calls.ByTracking("NO-SUCH-PARCEL")).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, outside.StatusCode);
        Assert.Equal(absent.StatusCode, outside.StatusCode);
        Assert.Equal(absent.Status.Detail, outside.Status.Detail);

        // …while the German agency does see it: the refusal above is jurisdiction, not data.
        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        Assert.Equal("DE", (await Shipments(deChannel).GetShipmentAsync(Calls.ByTracking(ToGermany))).DestinationCountry);
    }

    [Fact]
    public async Task No_client_certificate_is_refused_in_the_handshake_and_logged()
    {
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = gateway.TrustedServer;
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(gateway.Address, new() { HttpHandler = handler });

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);

        // Under TLS 1.3 the client completes its side of the handshake before the server's refusal
        // arrives, so the failure surfaces as a transport error: UNAVAILABLE, or INTERNAL when the
        // connection dies under the first HTTP/2 frames. Either way no data; the server log says why.
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.True(await gateway.EventuallyLoggedAsync("no client certificate presented"), "the refusal is logged with its reason");
    }

    [Fact]
    public async Task A_certificate_from_a_foreign_CA_is_refused_even_with_a_registered_subject()
    {
        using var foreign = gateway.ConnectWith(gateway.ForeignPki, "fr-customs", "fr-customs");
        using var channel = foreign.CreateChannel(_ => Task.FromResult<string?>(null));

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        // As for a missing certificate: a TLS 1.3 refusal reaches the client as either, depending on timing.
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });

        // The token endpoint is behind the same handshake.
        await Assert.ThrowsAsync<HttpRequestException>(() => foreign.RequestTokenAsync());
        Assert.True(await gateway.EventuallyLoggedAsync("(demo), C=FR: chain: "), "the chain failure is logged with the subject and reason");
    }

    [Fact]
    public async Task No_token_is_unauthenticated()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel(_ => Task.FromResult<string?>(null));

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task A_forged_token_is_unauthenticated()
    {
        using var fr = gateway.Connect("fr-customs");
        var token = (await fr.RequestTokenAsync()).AccessToken!;
        // Flip one character of the signature.
        var forged = token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];
        using var channel = fr.CreateChannel(_ => Task.FromResult<string?>(forged));

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task A_token_without_the_scope_is_permission_denied()
    {
        using var fr = gateway.Connect("fr-customs", scopes: ["sellers:read"]);
        using var channel = fr.CreateChannel();

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task A_token_of_agency_A_presented_on_agency_B_connection_is_refused()
    {
        using var fr = gateway.Connect("fr-customs");
        var frToken = (await fr.RequestTokenAsync()).AccessToken;
        using var de = gateway.Connect("de-customs");
        using var channel = de.CreateChannel(_ => Task.FromResult(frToken));

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task A_token_already_accepted_on_its_own_connection_is_still_refused_on_another_agencys_connection()
    {
        // The gateway reuses a successful validation for the token's lifetime (Auth/ValidatedTokens.cs):
        // the reuse must be keyed on the certificate too, or a stolen token would ride on the first success.
        using var fr = gateway.Connect("fr-customs");
        var frToken = (await fr.RequestTokenAsync()).AccessToken;
        using (var own = fr.CreateChannel(_ => Task.FromResult(frToken)))
        {
            Assert.Equal(ToFrance, (await Shipments(own).GetShipmentAsync(Calls.ByTracking(ToFrance))).TrackingNumber);
        }

        using var de = gateway.Connect("de-customs");
        using var stolen = de.CreateChannel(_ => Task.FromResult(frToken));
        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(stolen).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);

        // And the owner keeps working: the refusal did not evict or poison the owner's entry.
        using var again = fr.CreateChannel(_ => Task.FromResult(frToken));
        Assert.Equal(ToFrance, (await Shipments(again).GetShipmentAsync(Calls.ByTracking(ToFrance))).TrackingNumber);
    }

    [Fact]
    public async Task A_token_already_accepted_is_refused_once_it_expires()
    {
        using var fr = gateway.Connect("fr-customs");
        var token = (await fr.RequestTokenAsync()).AccessToken;
        using var channel = fr.CreateChannel(_ => Task.FromResult(token));
        Assert.Equal(ToFrance, (await Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance))).TrackingNumber);

        gateway.Clock.Advance(TimeSpan.FromMinutes(6)); // the token lives 300 s

        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task Missing_legal_basis_or_case_reference_is_invalid_argument_with_field_violations()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = Shipments(channel);

        var noBasis = Calls.ByTracking(ToFrance);
        noBasis.Context.LegalBasis = "  ";
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(noBasis).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["context.legal_basis"], e.BadRequest()!.FieldViolations.Select(v => v.Field));

        var noContext = new GetShipmentRequest { TrackingNumber = ToFrance };
        e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(noContext).ResponseAsync);
        Assert.Equal(["context.legal_basis", "context.case_reference"], e.BadRequest()!.FieldViolations.Select(v => v.Field));

        var longCase = Calls.ByTracking(ToFrance);
        longCase.Context.CaseReference = new string('X', 65);
        e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(longCase).ResponseAsync);
        Assert.Equal(["context.case_reference"], e.BadRequest()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task A_request_without_a_key_is_invalid_argument()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(channel).GetShipmentAsync(new GetShipmentRequest { Context = Calls.Context() }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("key", e.BadRequest()!.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task Personal_data_only_under_its_subset_and_ungranted_subsets_are_refused_by_name()
    {
        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var core = await Shipments(frChannel).GetShipmentAsync(Calls.ByTracking(ToFrance));
        Assert.Null(core.Consignee);
        Assert.Empty(core.Listings);

        var parties = await Shipments(frChannel).GetShipmentAsync(Calls.ByTracking(ToFrance, DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings));
        Assert.Equal("Marie Dupont", parties.Consignee.Name);
        Assert.Equal("LST-0001", parties.Listings.Single().ListingId);

        // de-customs holds SHIPMENT_CORE and SELLER_IDENTITY only.
        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var e = await Assert.ThrowsAsync<RpcException>(() => Shipments(deChannel).GetShipmentAsync(
            Calls.ByTracking(ToGermany, DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("LISTINGS", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("SHIPMENT_PARTIES", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("SHIPMENT_CORE", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("DATA_SUBSET_DENIED", e.ErrorInfo()!.Reason);
    }

    [Fact]
    public async Task A_suspended_agency_is_refused_on_its_next_call_with_a_live_token_and_gets_no_new_token()
    {
        // A client of its own, so suspending it cannot disturb the other tests.
        var subject = "CN=be-customs, O=Administration generale des douanes (test), C=BE";
        Gateway.Server.Pki.DevPki.IssueClient(gateway.Pki, "be-customs", subject);
        await gateway.Agencies.AddAsync(new Agency("be-customs", Agency.KindAgency, "BE customs (test)", Agency.StatusActive,
            ["BE"], ["shipments:read"], new HashSet<DataSubset> { DataSubset.ShipmentCore }, subject, null, 60));

        using var be = gateway.Connect("be-customs");
        var token = (await be.RequestTokenAsync()).AccessToken;
        using var channel = be.CreateChannel(_ => Task.FromResult(token));
        var client = Shipments(channel);
        Assert.Equal("BE", (await client.GetShipmentAsync(Calls.ByTracking(ToBelgiumViaGermany))).DestinationCountry);

        Assert.True(await gateway.Agencies.SetStatusAsync("be-customs", Agency.StatusSuspended));

        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(Calls.ByTracking(ToBelgiumViaGermany)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("AGENCY_SUSPENDED", e.ErrorInfo()!.Reason);
        var refused = await Assert.ThrowsAsync<TokenRequestException>(() => be.RequestTokenAsync());
        Assert.Equal("invalid_client", refused.Error);

        Assert.True(await gateway.Agencies.SetStatusAsync("be-customs", Agency.StatusActive));
        Assert.Equal("BE", (await client.GetShipmentAsync(Calls.ByTracking(ToBelgiumViaGermany))).DestinationCountry);
    }

    [Fact]
    public async Task Methods_outside_the_contract_are_unimplemented_and_missing_scopes_are_refused_before_the_service()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var unknown = new Method<GetShipmentRequest, Shipment>(MethodType.Unary, "gateway.v1.ShipmentService", "DeleteShipment",
            Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetShipmentRequest.Parser.ParseFrom),
            Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), Shipment.Parser.ParseFrom));
        var e = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker()
            .AsyncUnaryCall(unknown, null, new CallOptions(), Calls.ByTracking(ToFrance)).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);

        // fr-customs holds no ingest:write: refused before reaching the ingest service.
        using var ingest = new IngestService.IngestServiceClient(channel).UpsertSellers();
        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await ingest.RequestStream.CompleteAsync();
            await ingest.ResponseAsync;
        });
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Health_answers_on_the_admin_port_only_and_gRPC_is_not_served_there()
    {
        using var http = new HttpClient();
        Assert.Equal("Healthy", await http.GetStringAsync($"http://127.0.0.1:{gateway.AdminPort}/healthz"));
        using var onAdmin = await http.PostAsync($"http://127.0.0.1:{gateway.AdminPort}/gateway.v1.ShipmentService/GetShipment", new ByteArrayContent([]));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, onAdmin.StatusCode);

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel(_ => Task.FromResult<string?>(null));
        // The health service publishes check results shortly after start: poll, bounded.
        var status = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Unknown;
        for (var attempt = 0; attempt < 50 && status != Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving; attempt++)
        {
            status = (await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status;
            await Task.Delay(100);
        }

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, status);
    }
}
