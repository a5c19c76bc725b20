using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>
/// SearchShipments and (small) ExportShipments over real mTLS: keyset paging under concurrent ingest,
/// every filter, input validation, page-token binding, data subsets. Each test works on its own
/// seller id, so tests sharing the gateway do not see each other's data.
/// </summary>
public sealed class SearchShipmentsTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private static SearchShipmentsRequest Search(ShipmentFilter filter, int pageSize = 0, string token = "", params DataSubset[] subsets)
    {
        var request = new SearchShipmentsRequest { Context = Calls.Context(), Filter = filter, PageSize = pageSize, PageToken = token };
        request.Subsets.AddRange(subsets);
        return request;
    }

    private static async Task<List<Shipment>> SearchAllAsync(ShipmentService.ShipmentServiceClient client, ShipmentFilter filter, int pageSize = 1000)
    {
        var all = new List<Shipment>();
        var token = "";
        do
        {
            var page = await client.SearchShipmentsAsync(Search(filter, pageSize, token));
            all.AddRange(page.Shipments);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    private static string RandomId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Paging_returns_every_existing_shipment_exactly_once_while_shipments_are_ingested_and_updated_between_pages()
    {
        const string seller = "SEL-PAGING";
        // Random ids: shipments ingested during paging land before and after the cursor alike.
        var initial = Enumerable.Range(0, 250).Select(_ => ShipmentData.Parcel(RandomId("P-"), seller, "FR")).ToList();
        await ShipmentData.WriteAsync(gateway, initial);

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        var filter = new ShipmentFilter { SellerId = seller };

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await client.SearchShipmentsAsync(Search(filter, 40, token));
            Assert.InRange(page.Shipments.Count, 1, 40);
            seen.AddRange(page.Shipments.Select(s => s.ShipmentId));
            token = page.NextPageToken;
            pages++;

            // Between pages: new shipments are ingested, and existing ones (seen and not yet seen) are
            // re-ingested, which moves their ingest sequence — paging must not care.
            var fresh = Enumerable.Range(0, 7).Select(_ => ShipmentData.Parcel(RandomId("P-"), seller, "FR"));
            var rewritten = new[] { initial[pages * 3 % initial.Count], initial[(pages * 37 + 11) % initial.Count] }
                .Select(s => { var copy = s.Clone(); copy.Carrier = "Re-ingested " + pages; return copy; });
            await ShipmentData.WriteAsync(gateway, fresh.Concat(rewritten));
        }
        while (token.Length > 0);

        Assert.True(pages >= 7, $"expected several pages, got {pages}");
        Assert.Equal(seen.Count, seen.Distinct().Count());                       // no duplicates
        Assert.Empty(initial.Select(s => s.ShipmentId).Except(seen));            // no gaps
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);                  // stable, documented order

        // 0 = the default page size (100).
        var first = await client.SearchShipmentsAsync(Search(filter));
        Assert.Equal(100, first.Shipments.Count);
        Assert.NotEmpty(first.NextPageToken);
    }

    [Fact]
    public async Task Every_filter_criterion_narrows_the_result_and_the_last_page_has_no_token()
    {
        const string seller = "SEL-FILTERS";
        var day = ShipmentData.Day;
        await ShipmentData.WriteAsync(gateway,
        [
            ShipmentData.Parcel("F-01", seller, "FR", "CN", hsCode: "640399", consignee: "Jean DUPONT", declaredAt: day),
            ShipmentData.Parcel("F-02", seller, "FR", "TR", hsCode: "420221", consignee: "Anne Martin", declaredAt: day.AddDays(1)),
            ShipmentData.Parcel("F-03", seller, "DE", "CN", ["FR"], hsCode: "640319", consignee: "Hans Dupontel", declaredAt: day.AddDays(2)),
            ShipmentData.Parcel("F-04", seller, "FR", "CN", hsCode: "950300", consignee: "Paul Durand", declaredAt: day.AddDays(3)),
        ]);
        await ShipmentData.ExecuteAsync(gateway, "UPDATE shipments SET risk_score = 80 WHERE shipment_id IN ('F-02', 'F-04')");
        await ShipmentData.ExecuteAsync(gateway, "UPDATE shipments SET risk_score = 20 WHERE shipment_id = 'F-01'");

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        async Task<string[]> Ids(ShipmentFilter f)
        {
            f.SellerId = seller;
            var response = await client.SearchShipmentsAsync(Search(f));
            Assert.Empty(response.NextPageToken);
            return response.Shipments.Select(s => s.ShipmentId).ToArray();
        }

        Assert.Equal(["F-01", "F-02", "F-03", "F-04"], await Ids(new ShipmentFilter()));
        Assert.Equal(["F-01", "F-02", "F-04"], await Ids(new ShipmentFilter { DestinationCountry = "fr" }));
        Assert.Equal(["F-02"], await Ids(new ShipmentFilter { OriginCountry = "TR" }));
        Assert.Equal(["F-01", "F-03"], await Ids(new ShipmentFilter { HsCodePrefix = "6403" }));
        Assert.Equal(["F-03"], await Ids(new ShipmentFilter { HsCodePrefix = "640319" }));
        // declared_from inclusive, declared_to exclusive.
        Assert.Equal(["F-02", "F-03"], await Ids(new ShipmentFilter
        {
            DeclaredFrom = Timestamp.FromDateTime(day.AddDays(1)), DeclaredTo = Timestamp.FromDateTime(day.AddDays(3)),
        }));
        Assert.Equal(["F-02", "F-04"], await Ids(new ShipmentFilter { MinRiskScore = 80 }));
        Assert.Equal(["F-01", "F-02", "F-04"], await Ids(new ShipmentFilter { MinRiskScore = 0 }));   // unscored shipments never match a risk condition
        Assert.Equal(["F-01", "F-03"], await Ids(new ShipmentFilter { ConsigneeNameContains = "dupont" }));
        Assert.Empty(await Ids(new ShipmentFilter { ConsigneeNameContains = "dupont", MinRiskScore = 50 }));
        Assert.Equal(["F-03"], await Ids(new ShipmentFilter { DestinationCountry = "DE", HsCodePrefix = "64" }));
    }

    [Fact]
    public async Task Invalid_input_is_refused_with_field_violations()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        async Task<string[]> Violations(SearchShipmentsRequest request)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => client.SearchShipmentsAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            return e.BadRequest()!.FieldViolations.Select(v => v.Field).ToArray();
        }

        Assert.Equal(["page_size"], await Violations(Search(new ShipmentFilter(), 1001)));
        Assert.Equal(["page_size"], await Violations(Search(new ShipmentFilter(), -1)));
        Assert.Equal(["filter.destination_country", "filter.origin_country", "filter.hs_code_prefix", "filter.min_risk_score"],
            await Violations(Search(new ShipmentFilter { DestinationCountry = "FRA", OriginCountry = "1A", HsCodePrefix = "64%", MinRiskScore = 101 })));
        Assert.Equal(["filter.declared_to"], await Violations(Search(new ShipmentFilter
        {
            DeclaredFrom = Timestamp.FromDateTime(ShipmentData.Day), DeclaredTo = Timestamp.FromDateTime(ShipmentData.Day),
        })));
        Assert.Equal(["page_token"], await Violations(Search(new ShipmentFilter(), token: "not-a-token")));
        // The input guard (Hardening/InputGuardInterceptor.cs) names the path of what it refuses.
        Assert.Equal(["filter.declared_from"], await Violations(Search(new ShipmentFilter { DeclaredFrom = new Timestamp { Seconds = long.MaxValue } })));
        Assert.Equal(["filter.consignee_name_contains"], await Violations(Search(new ShipmentFilter { ConsigneeNameContains = "a\0b" })));
        var nulInEnvelope = Search(new ShipmentFilter());
        nulInEnvelope.Context.CaseReference = "FR-2026\0";
        Assert.Equal(["context.case_reference"], await Violations(nulInEnvelope));

        var export = new ExportShipmentsRequest { Context = Calls.Context(), BatchSize = 5000 };
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.ExportShipments(export);
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal("batch_size", e.BadRequest()!.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task A_page_token_only_works_for_the_agency_and_filter_it_was_issued_for_and_not_once_altered()
    {
        const string seller = "SEL-TOKENS";
        // Routed via both jurisdictions, so both agencies could page this seller.
        await ShipmentData.WriteAsync(gateway, Enumerable.Range(0, 5).Select(i => ShipmentData.Parcel($"T-{i}", seller, "FR", "CN", ["DE"])));

        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var frClient = new ShipmentService.ShipmentServiceClient(frChannel);
        var filter = new ShipmentFilter { SellerId = seller };
        var token = (await frClient.SearchShipmentsAsync(Search(filter, 2))).NextPageToken;
        Assert.NotEmpty(token);

        // Same agency, same filter (spelled differently): accepted.
        var next = await frClient.SearchShipmentsAsync(Search(new ShipmentFilter { SellerId = " " + seller + " " }, 2, token));
        Assert.Equal(["T-2", "T-3"], next.Shipments.Select(s => s.ShipmentId));

        // A token is also a resume token: a search can be continued as an export.
        using (var call = frClient.ExportShipments(new ExportShipmentsRequest { Context = Calls.Context(), Filter = filter, ResumeToken = token }))
        {
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(["T-2", "T-3", "T-4"], call.ResponseStream.Current.Shipments.Select(s => s.ShipmentId));
        }

        async Task Refused(ShipmentService.ShipmentServiceClient client, ShipmentFilter f, string t)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => client.SearchShipmentsAsync(Search(f, 2, t)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("page_token", e.BadRequest()!.FieldViolations.Single().Field);
        }

        await Refused(frClient, new ShipmentFilter { SellerId = seller, DestinationCountry = "FR" }, token);
        var bytes = token.ToCharArray();
        bytes[3] = bytes[3] == 'A' ? 'B' : 'A';
        await Refused(frClient, filter, new string(bytes));

        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        await Refused(new ShipmentService.ShipmentServiceClient(deChannel), filter, token);
    }

    [Fact]
    public async Task Ungranted_subsets_refuse_search_and_export_naming_them_and_personal_data_needs_its_subset()
    {
        const string seller = "SEL-SUBSETS";
        await ShipmentData.WriteAsync(gateway, [ShipmentData.Parcel("S-1", seller, "DE", "CN", ["FR"], consignee: "Erika Mustermann")]);
        var filter = new ShipmentFilter { SellerId = seller };

        using var de = gateway.Connect("de-customs");
        using var deChannel = de.CreateChannel();
        var deClient = new ShipmentService.ShipmentServiceClient(deChannel);
        var e = await Assert.ThrowsAsync<RpcException>(() => deClient.SearchShipmentsAsync(
            Search(filter, 0, "", DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.EndsWith("LISTINGS, SHIPMENT_PARTIES.", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("DATA_SUBSET_DENIED", e.ErrorInfo()!.Reason);

        var export = new ExportShipmentsRequest { Context = Calls.Context(), Filter = filter, Subsets = { DataSubset.ShipmentParties } };
        e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = deClient.ExportShipments(export);
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.EndsWith("SHIPMENT_PARTIES.", e.Status.Detail, StringComparison.Ordinal);

        using var fr = gateway.Connect("fr-customs");
        using var frChannel = fr.CreateChannel();
        var frClient = new ShipmentService.ShipmentServiceClient(frChannel);
        var core = (await frClient.SearchShipmentsAsync(Search(filter))).Shipments.Single();
        Assert.Null(core.Consignee);
        Assert.Null(core.Consignor);
        Assert.Empty(core.Listings);
        Assert.Equal("640399", core.Goods.Single().HsCode);

        var parties = (await frClient.SearchShipmentsAsync(Search(filter, 0, "", DataSubset.ShipmentParties))).Shipments.Single();
        Assert.Equal("Erika Mustermann", parties.Consignee.Name);
        Assert.Empty(parties.Goods);                     // SHIPMENT_CORE was not requested
        Assert.Empty(parties.TrackingNumber);
        Assert.Equal("S-1", parties.ShipmentId);

        using var call2 = frClient.ExportShipments(new ExportShipmentsRequest { Context = Calls.Context(), Filter = filter });
        Assert.True(await call2.ResponseStream.MoveNext());
        var exported = call2.ResponseStream.Current.Shipments.Single();
        Assert.Null(exported.Consignee);
        Assert.Equal("TN-S-1", exported.TrackingNumber);
        Assert.False(await call2.ResponseStream.MoveNext());
    }
}
