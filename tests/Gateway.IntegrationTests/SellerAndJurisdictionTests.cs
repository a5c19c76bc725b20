using Gateway.Contracts.V1;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>
/// Two agencies with different jurisdictions never see each other's shipments or sellers — by get,
/// search or export — and GetSeller's DSA Art. 30 fields follow the data subsets.
/// </summary>
public sealed class SellerAndJurisdictionTests(GatewayServer gateway) : IClassFixture<GatewayServer>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        if (!(await ShipmentData.QueryIdsAsync(gateway, "SELECT seller_id FROM sellers WHERE seller_id = 'SEL-FR-ONLY'")).Any())
        {
            await ShipmentData.WriteAsync(gateway,
            [
                ShipmentData.Parcel("J-FR-1", "SEL-FR-ONLY", "FR"),
                ShipmentData.Parcel("J-FR-2", "SEL-FR-ONLY", "FR", "FR"),
                ShipmentData.Parcel("J-DE-1", "SEL-DE-ONLY", "DE"),
                ShipmentData.Parcel("J-DE-2", "SEL-DE-ONLY", "AT", "CN", ["DE"]),
                ShipmentData.Parcel("J-BOTH", "SEL-BOTH", "DE", "FR"),
                ShipmentData.Parcel("J-NONE", "SEL-NOWHERE", "IT"),
            ],
            [ShipmentData.Seller("SEL-FR-ONLY"), ShipmentData.Seller("SEL-DE-ONLY"), ShipmentData.Seller("SEL-BOTH"), ShipmentData.Seller("SEL-NOWHERE")]);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static GetSellerRequest GetSeller(string id, params DataSubset[] subsets)
    {
        var request = new GetSellerRequest { Context = Calls.Context(), SellerId = id };
        request.Subsets.AddRange(subsets);
        return request;
    }

    private static async Task<List<Shipment>> ExportAllAsync(ShipmentService.ShipmentServiceClient client, ShipmentFilter filter)
    {
        using var call = client.ExportShipments(new ExportShipmentsRequest { Context = Calls.Context(), Filter = filter, BatchSize = 3 });
        var all = new List<Shipment>();
        while (await call.ResponseStream.MoveNext())
        {
            Assert.InRange(call.ResponseStream.Current.Shipments.Count, 1, 3);
            Assert.NotEmpty(call.ResponseStream.Current.ResumeToken);
            all.AddRange(call.ResponseStream.Current.Shipments);
        }

        return all;
    }

    [Theory]
    [InlineData("fr-customs", "FR")]
    [InlineData("de-customs", "DE")]
    public async Task Search_and_export_return_exactly_the_shipments_in_the_callers_jurisdiction(string agency, string country)
    {
        // Ground truth straight from the tables: every shipment with the country as destination, origin or routing.
        var expected = await ShipmentData.QueryIdsAsync(gateway,
            "SELECT shipment_id FROM shipment_countries WHERE country = @country ORDER BY shipment_id", new { country });

        using var connection = gateway.Connect(agency);
        using var channel = connection.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);

        var searched = new List<string>();
        var token = "";
        do
        {
            var page = await client.SearchShipmentsAsync(new SearchShipmentsRequest { Context = Calls.Context(), PageSize = 2, PageToken = token });
            searched.AddRange(page.Shipments.Select(s => s.ShipmentId));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(expected, searched);

        var exported = await ExportAllAsync(client, new ShipmentFilter());
        Assert.Equal(expected, exported.Select(s => s.ShipmentId));
        Assert.All(exported, s => Assert.Contains(country, s.CountriesOfRouting.Append(s.OriginCountry).Append(s.DestinationCountry)));
    }

    [Fact]
    public async Task The_other_agencys_shipments_are_invisible_to_search_export_and_get_even_when_asked_for_by_filter()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);

        var byDestination = new ShipmentFilter { DestinationCountry = "DE" };
        Assert.Equal(["J-BOTH"], (await client.SearchShipmentsAsync(new SearchShipmentsRequest { Context = Calls.Context(), Filter = byDestination }))
            .Shipments.Select(s => s.ShipmentId).Where(id => id.StartsWith("J-", StringComparison.Ordinal)));
        var bySeller = new ShipmentFilter { SellerId = "SEL-DE-ONLY" };
        Assert.Empty((await client.SearchShipmentsAsync(new SearchShipmentsRequest { Context = Calls.Context(), Filter = bySeller })).Shipments);
        Assert.Empty(await ExportAllAsync(client, bySeller));

        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(new GetShipmentRequest { Context = Calls.Context(), ShipmentId = "J-DE-2" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);

        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var deClient = new ShipmentService.ShipmentServiceClient(deChannel);
        Assert.Empty(await ExportAllAsync(deClient, new ShipmentFilter { SellerId = "SEL-FR-ONLY" }));
        Assert.Equal(["J-DE-1", "J-DE-2"], (await ExportAllAsync(deClient, new ShipmentFilter { SellerId = "SEL-DE-ONLY" })).Select(s => s.ShipmentId));
        e = await Assert.ThrowsAsync<RpcException>(() => deClient.GetShipmentAsync(new GetShipmentRequest { Context = Calls.Context(), ShipmentId = "J-FR-2" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task A_seller_is_visible_only_through_a_shipment_in_the_jurisdiction_and_otherwise_looks_absent()
    {
        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var frSellers = new SellerService.SellerServiceClient(frChannel);
        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var deSellers = new SellerService.SellerServiceClient(deChannel);

        Assert.Equal("SEL-FR-ONLY Ltd", (await frSellers.GetSellerAsync(GetSeller("SEL-FR-ONLY"))).LegalName);
        Assert.Equal("SEL-DE-ONLY Ltd", (await deSellers.GetSellerAsync(GetSeller("SEL-DE-ONLY"))).LegalName);   // via a routing country
        Assert.Equal("SEL-BOTH", (await frSellers.GetSellerAsync(GetSeller("SEL-BOTH"))).SellerId);
        Assert.Equal("SEL-BOTH", (await deSellers.GetSellerAsync(GetSeller("SEL-BOTH"))).SellerId);

        var absent = await Assert.ThrowsAsync<RpcException>(() => frSellers.GetSellerAsync(GetSeller("SEL-NO-SUCH")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, absent.StatusCode);
        foreach (var (client, id) in new[] { (frSellers, "SEL-DE-ONLY"), (deSellers, "SEL-FR-ONLY"), (frSellers, "SEL-NOWHERE"), (deSellers, "SEL-NOWHERE") })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => client.GetSellerAsync(GetSeller(id)).ResponseAsync);
            Assert.Equal(absent.StatusCode, e.StatusCode);
            Assert.Equal(absent.Status.Detail, e.Status.Detail);
        }
    }

    [Fact]
    public async Task Seller_identity_by_default_and_contact_and_payout_only_under_their_subsets()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var sellers = new SellerService.SellerServiceClient(channel);

        var identity = await sellers.GetSellerAsync(GetSeller("SEL-FR-ONLY"));
        Assert.Equal("SEL-FR-ONLY Shop", identity.TradingName);
        Assert.Equal("REG-SEL-FR-ONLY", identity.RegistrationNumber);
        Assert.Equal("VAT-SEL-FR-ONLY", identity.VatNumber);
        Assert.Equal("EORI-SEL-FR-ONLY", identity.Eori);
        Assert.Equal("CN", identity.Country);
        Assert.Equal(SellerStatus.Suspended, identity.Status);
        Assert.Equal("VERIFIED", identity.VerificationStatus);
        Assert.Equal(ShipmentData.Day.AddYears(-2), identity.AccountCreatedAt.ToDateTime());
        // Personal data stays empty unless its subset is asked for (and granted).
        Assert.Empty(identity.Email);
        Assert.Empty(identity.Phone);
        Assert.Empty(identity.AddressLines);
        Assert.Empty(identity.City);
        Assert.Empty(identity.PayoutAccountMasked);

        // fr-customs holds SELLER_IDENTITY but neither SELLER_CONTACT nor SELLER_FINANCIAL.
        var e = await Assert.ThrowsAsync<RpcException>(() => sellers.GetSellerAsync(
            GetSeller("SEL-FR-ONLY", DataSubset.SellerIdentity, DataSubset.SellerFinancial, DataSubset.SellerContact)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.EndsWith("SELLER_CONTACT, SELLER_FINANCIAL.", e.Status.Detail, StringComparison.Ordinal);
        // Refused before looking: an invisible seller gets the same refusal (nothing about existence leaks).
        var invisible = await Assert.ThrowsAsync<RpcException>(() => sellers.GetSellerAsync(GetSeller("SEL-DE-ONLY", DataSubset.SellerContact)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, invisible.StatusCode);

        // An agency granted contact and financial data sees them.
        var subject = "CN=fr-dgddi-enquetes, O=DNRED (test), C=FR";
        Gateway.Server.Pki.DevPki.IssueClient(gateway.Pki, "fr-dnred", subject);
        await gateway.Agencies.AddAsync(new Gateway.Server.Agencies.Agency("fr-dnred", "agency", "DNRED (test)", "active", ["FR"], ["sellers:read"],
            new HashSet<DataSubset> { DataSubset.SellerContact, DataSubset.SellerFinancial }, subject, null, 60));
        using var dnred = gateway.Connect("fr-dnred");
        using var dnredChannel = dnred.CreateChannel();
        var full = await new SellerService.SellerServiceClient(dnredChannel).GetSellerAsync(
            GetSeller("SEL-FR-ONLY", DataSubset.SellerContact, DataSubset.SellerFinancial));
        Assert.Equal(["Unit 1", "Main Road"], full.AddressLines);
        Assert.Equal("sel-fr-only@seller.example", full.Email);
        Assert.Equal("CN** **** 9999", full.PayoutAccountMasked);
        Assert.Empty(full.LegalName);                       // SELLER_IDENTITY not requested
        Assert.Equal(0, full.Strikes12M);
    }

    [Fact]
    public async Task Strikes_count_only_the_rolling_last_12_months_of_that_seller()
    {
        var now = gateway.Clock.GetUtcNow().UtcDateTime;
        await ShipmentData.WriteAsync(gateway, [ShipmentData.Parcel("J-STRIKES", "SEL-STRIKES", "FR")], [ShipmentData.Seller("SEL-STRIKES")]);
        foreach (var (id, seller, at) in new[]
        {
            ("SZ-1", "SEL-STRIKES", now.AddMonths(-13)),
            ("SZ-2", "SEL-STRIKES", now.AddMonths(-12).AddDays(-1)),
            ("SZ-3", "SEL-STRIKES", now.AddDays(-300)),
            ("SZ-4", "SEL-STRIKES", now.AddDays(-1)),
            ("SZ-5", "SEL-FR-ONLY", now.AddDays(-1)),
        })
        {
            await ShipmentData.ExecuteAsync(gateway,
                "INSERT INTO seller_strikes (seizure_id, seller_id, agency_id, recorded_at) VALUES (@id, @seller, 'fr-customs', @at)",
                new { id, seller, at });
        }

        async Task<int> Strikes()
        {
            // A new connection each time: its token is issued at the (fake) gateway time.
            using var fr = gateway.Connect("fr-customs");
            using var channel = fr.CreateChannel();
            return (await new SellerService.SellerServiceClient(channel).GetSellerAsync(GetSeller("SEL-STRIKES"))).Strikes12M;
        }

        Assert.Equal(2, await Strikes());
        // The window rolls with the clock: 30 days on, the strike of 300 days ago still counts…
        gateway.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(2, await Strikes());
        // …70 days on, it has dropped out.
        gateway.Clock.Advance(TimeSpan.FromDays(40));
        Assert.Equal(1, await Strikes());
    }

    [Fact]
    public async Task A_missing_or_oversized_seller_id_is_invalid_argument()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var sellers = new SellerService.SellerServiceClient(channel);
        foreach (var id in new[] { "", "  ", new string('S', 65) })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => sellers.GetSellerAsync(GetSeller(id)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("seller_id", e.BadRequest()!.FieldViolations.Single().Field);
        }
    }
}
