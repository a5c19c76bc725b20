using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Gateway.Server.Risk;
using Gateway.Server.Seed;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>
/// ExportShipments writes pre-encoded batches: on SQLite each column's UTF-8 bytes go from the statement
/// straight into the wire format, on PostgreSQL the same encoder reads a data reader; SearchShipments
/// keeps the page + IN-list + generated-message mapping (the contract path). Over a seeded, scored
/// marketplace, with the awkward rows added on purpose (unscored shipments, a score without reasons or
/// time, escaped and non-ASCII risk reasons, retention-blanked parties, empty address lines, untrimmed
/// routing, fractional timestamps, negative and zero numbers), both must hand an agency exactly the
/// same records for every subset combination, filter and resume point, and every batch on the wire
/// must be byte-identical to what serialising the generated ShipmentBatch gives.
/// </summary>
public sealed class ExportEquivalenceTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private static readonly Method<ExportShipmentsRequest, byte[]> RawExport = new(
        MethodType.ServerStreaming, ShipmentService.Descriptor.FullName, "ExportShipments",
        Marshallers.Create(r => r.ToByteArray(), ExportShipmentsRequest.Parser.ParseFrom),
        Marshallers.Create(b => b, b => b));

    private static readonly Method<GetShipmentRequest, byte[]> RawGet = new(
        MethodType.Unary, ShipmentService.Descriptor.FullName, "GetShipment",
        Marshallers.Create(r => r.ToByteArray(), GetShipmentRequest.Parser.ParseFrom),
        Marshallers.Create(b => b, b => b));

    private static readonly DataSubset[][] FrCombinations =
    [
        [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings],
        [DataSubset.ShipmentCore, DataSubset.ShipmentParties],
        [DataSubset.ShipmentCore, DataSubset.Listings],
        [DataSubset.ShipmentParties, DataSubset.Listings],
        [DataSubset.ShipmentCore],
        [DataSubset.ShipmentParties],
        [DataSubset.Listings],
        [],
    ];

    [Fact]
    public async Task Export_returns_exactly_what_search_returns_for_every_subset_combination_filter_and_resume_point()
    {
        await SeedAsync();

        foreach (var subsets in FrCombinations)
        {
            await AssertSameAsync("fr-customs", subsets, null);
        }

        await AssertSameAsync("de-customs", [DataSubset.ShipmentCore], null);
        await AssertSameAsync("de-customs", [], null);

        // Every filter criterion (each alone, then together) selects the same shipments on both paths.
        var from = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        ShipmentFilter[] filters =
        [
            new() { DestinationCountry = "FR" },
            new() { OriginCountry = "CN" },
            new() { HsCodePrefix = "64" },
            new() { DeclaredFrom = Timestamp.FromDateTime(from.AddDays(-400)), DeclaredTo = Timestamp.FromDateTime(from.AddDays(400)) },
            new() { MinRiskScore = 30 },
            new() { ConsigneeNameContains = "a" },
            new() { DestinationCountry = "FR", MinRiskScore = 1, ConsigneeNameContains = "e" },
        ];
        foreach (var filter in filters)
        {
            await AssertSameAsync("fr-customs", [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings], filter, minimum: 1);
            await AssertSameAsync("de-customs", [DataSubset.ShipmentCore], filter, minimum: 1);
        }

        var seller = (await SearchAsync("fr-customs", [DataSubset.ShipmentCore], null))[0].SellerId;
        await AssertSameAsync("fr-customs", [DataSubset.ShipmentCore, DataSubset.Listings], new ShipmentFilter { SellerId = seller }, minimum: 1);
    }

    /// <summary>
    /// GetShipment encodes its one record with the export's encoder (on SQLite from SQLite's column buffers,
    /// on PostgreSQL from the data reader): for every subset combination it must return exactly the record
    /// search returns, and on the wire the bytes serialising that generated message gives — checked on the
    /// awkward records (one of each kind) and a spread of ordinary ones, few enough calls to stay inside the
    /// agency's limits.
    /// </summary>
    [Fact]
    public async Task GetShipment_returns_exactly_what_search_returns_for_every_subset_combination()
    {
        await SeedAsync();
        Func<Shipment, bool>[] awkward =
        [
            s => s.Goods.Count > 1, s => s.Risk is null, s => s.Risk is { Reasons.Count: > 0 }, s => s.Risk is { Reasons.Count: 0, ScoredAt: null },
            s => s.Risk?.Reasons.Any(r => r.Detail.Contains('€', StringComparison.Ordinal)) == true, s => s.DeclaredAt?.Nanos is > 0,
            s => s.Listings.Count > 1, s => s.Consignor is { Name: "", AddressLines.Count: 0 }, s => s.Consignee?.AddressLines.Count == 2,
            s => s.CountriesOfRouting.Count > 0, s => s.Risk?.Reasons.Count == 8,
        ];
        foreach (var (agency, subsets) in FrCombinations.Select(c => ("fr-customs", c)).Append(("de-customs", [DataSubset.ShipmentCore])))
        {
            var searched = await SearchAsync(agency, subsets, null);
            var sample = awkward.Select(p => searched.FindIndex(s => p(s))).Where(i => i >= 0)
                .Concat(Enumerable.Range(0, 4).Select(k => k * searched.Count / 4))
                .Distinct().Select(i => searched[i]).ToList();
            using var connection = gateway.Connect(agency);
            using var channel = connection.CreateChannel();
            var invoker = channel.CreateCallInvoker();
            foreach (var expected in sample)
            {
                var request = new GetShipmentRequest { Context = Calls.Context(), ShipmentId = expected.ShipmentId };
                request.Subsets.AddRange(subsets);
                var bytes = await invoker.AsyncUnaryCall(RawGet, null, new CallOptions(), request);
                var found = Shipment.Parser.ParseFrom(bytes);
                Assert.True(expected.Equals(found), $"{agency} [{string.Join(",", subsets)}]: {expected.ShipmentId} differs:\n search {expected}\n get    {found}");
                Assert.Equal(expected.ToByteArray(), bytes);
            }
        }
    }

    /// <summary>The pre-encoded path still tells the audit exactly which records left: their count and the digest of their ids in sent order.</summary>
    [Fact]
    public async Task An_export_is_recorded_with_the_count_and_digest_of_the_ids_it_sent()
    {
        await SeedAsync();
        var store = gateway.Services.GetRequiredService<AuditStore>();
        var before = (await store.ReadHeadAsync()).Sequence;
        using var connection = gateway.Connect("de-customs");
        using var channel = connection.CreateChannel();
        var exported = (await ExportAsync(channel.CreateCallInvoker(), Request([DataSubset.ShipmentCore], null, ""), stopAfter: int.MaxValue))
            .SelectMany(b => b.Shipments).Select(s => s.ShipmentId).ToList();

        var record = Assert.Single(await store.QueryAsync(before, null, null, "de-customs", null, 100, default),
            r => r.Rpc == "/gateway.v1.ShipmentService/ExportShipments");
        Assert.True(exported.Count > 100);
        Assert.Equal(0, record.StatusCode);
        Assert.Equal(exported.Count, record.RecordsReturned);
        Assert.Equal(AuditCanonical.RecordsDigest(exported), record.RecordsDigest);
    }

    [Fact]
    public async Task A_resumed_export_continues_exactly_after_the_last_batch_received()
    {
        await SeedAsync();
        DataSubset[] subsets = [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings];
        var searched = await SearchAsync("fr-customs", subsets, null);

        using var connection = gateway.Connect("fr-customs");
        using var channel = connection.CreateChannel();
        var invoker = channel.CreateCallInvoker();
        var first = await ExportAsync(invoker, Request(subsets, null, ""), stopAfter: 2);
        Assert.Equal(2, first.Count);
        var rest = await ExportAsync(invoker, Request(subsets, null, first[^1].ResumeToken), stopAfter: int.MaxValue);

        var exported = first.Concat(rest).SelectMany(b => b.Shipments).ToList();
        AssertEqual("resumed", searched, exported);
    }

    [Fact]
    public async Task The_custom_binding_leaves_ShipmentService_described_by_reflection_with_ShipmentBatch_as_export_output()
    {
        using var connection = gateway.Connect("fr-customs");
        using var channel = connection.CreateChannel();
        var reflection = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { FileContainingSymbol = ShipmentService.Descriptor.FullName });
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == ShipmentService.Descriptor.FullName);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        var export = files.SelectMany(f => f.Service).Single(s => s.Name == "ShipmentService").Method.Single(m => m.Name == "ExportShipments");
        Assert.Equal(".gateway.v1.ShipmentBatch", export.OutputType);
        Assert.True(export.ServerStreaming);
    }

    /// <summary>The marketplace, scored, then the rows the encoder must get exactly right.</summary>
    private async Task SeedAsync()
    {
        var database = gateway.Services.GetRequiredService<Database>();
        await using (var check = await database.OpenAsync())
        {
            // The fixture (and its database) is shared by this class's tests: seed once.
            if (await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM shipments WHERE carrier = @carrier", new { carrier = new string('x', 100) }) > 0)
            {
                return;
            }
        }

        await new Seeder(database, gateway.Clock).RunAsync(new SyntheticMarketplace(seed: 3, sellerCount: 200), shipments: 2_500);
        await gateway.Services.GetRequiredService<ScoreShipmentsJob>().RunAsync(CancellationToken.None);

        await using var connection = await database.OpenAsync();
        var ids = (await connection.QueryAsync<string>("SELECT shipment_id FROM shipments ORDER BY shipment_id")).ToList();
        string[] Every(int step, int offset) => ids.Where((_, i) => i % step == offset).ToArray();
        var dialect = database.Dialect;

        // Never scored: no risk at all.
        await connection.ExecuteAsync($"UPDATE shipments SET risk_score = NULL, risk_reasons = NULL, scored_at = NULL WHERE {dialect.In("shipment_id", "@ids")}",
            new { ids = Every(11, 1) });
        // A score without reasons or time.
        await connection.ExecuteAsync($"UPDATE shipments SET risk_score = 0, risk_reasons = NULL, scored_at = NULL WHERE {dialect.In("shipment_id", "@ids")}",
            new { ids = Every(11, 2) });
        // Reasons as other writers could store them: escapes, raw and escaped non-ASCII, nulls, negative weights, unknown properties, an empty list.
        await connection.ExecuteAsync($"UPDATE shipments SET risk_score = 77, risk_reasons = @json WHERE {dialect.In("shipment_id", "@ids")}", new
        {
            ids = Every(11, 3),
            json = """[{"code":"BRAND_PRICE_ANOMALY","detail":"caf\u00e9 \"quoted\" \\ 20 € ünïcode","weight":-5,"extra":{"a":[1,{"b":2}]}},{"weight":40,"code":null,"detail":""},{"code":"X"}]""",
        });
        await connection.ExecuteAsync($"UPDATE shipments SET risk_score = 5, risk_reasons = '[]' WHERE {dialect.In("shipment_id", "@ids")}", new { ids = Every(11, 4) });
        // Reasons longer than the encoder's stack buffer (1 KB), escaped: unescaped into a heap buffer instead.
        var longDetail = string.Concat(Enumerable.Repeat(@"\u00e9t\u00e9 \\ \""q\"" ", 20));
        await connection.ExecuteAsync($"UPDATE shipments SET risk_score = 90, risk_reasons = @json WHERE {dialect.In("shipment_id", "@ids")}", new
        {
            ids = Every(11, 9),
            json = "[" + string.Join(",", Enumerable.Range(0, 8).Select(i => $$"""{"code":"LONG_{{i}}","detail":"{{longDetail}}","weight":{{i}}}""")) + "]",
        });
        await connection.ExecuteAsync($"UPDATE shipments SET risk_score = 6, risk_reasons = '' WHERE {dialect.In("shipment_id", "@ids")}", new { ids = Every(11, 5) });
        // Retention-blanked parties (RetentionJob's update), and parties with odd text.
        await connection.ExecuteAsync($"""
            UPDATE shipments SET
                consignor_name = '', consignor_address = '', consignor_postcode = '', consignor_email = '', consignor_phone = '', consignor_eori = '',
                consignee_name = '', consignee_address = '', consignee_postcode = '', consignee_email = '', consignee_phone = '', consignee_eori = ''
            WHERE {dialect.In("shipment_id", "@ids")}
            """, new { ids = Every(11, 6) });
        await connection.ExecuteAsync($"""
            UPDATE shipments SET consignee_name = @name, consignee_address = @address, countries_of_routing = @routing,
                mrn = '', carrier = @carrier, declared_at = @declared
            WHERE {dialect.In("shipment_id", "@ids")}
            """, new
        {
            ids = Every(11, 7),
            name = "Zoë Ørsted-Ñúñez 日本",
            address = "\n\nRue de l’Église 1\n\n\nBâtiment B\n",
            routing = " DE , ,BE,",
            carrier = new string('x', 100),
            declared = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Unspecified).AddTicks(1_234_567),
        });
        // Goods with zero, negative and empty values (a message body longer than 127 bytes too).
        await connection.ExecuteAsync($"""
            UPDATE shipment_goods SET quantity = 0, value_minor = -1999, brand = '', description = @description
            WHERE {dialect.In("shipment_id", "@ids")}
            """, new { ids = Every(11, 8), description = string.Concat(Enumerable.Repeat("Schuhe – ", 40)) });
    }

    private async Task AssertSameAsync(string agency, DataSubset[] subsets, ShipmentFilter? filter, int minimum = 100)
    {
        var label = $"{agency} [{string.Join(",", subsets)}] {filter}";
        var searched = await SearchAsync(agency, subsets, filter);
        using var connection = gateway.Connect(agency);
        using var channel = connection.CreateChannel();
        var batches = await ExportAsync(channel.CreateCallInvoker(), Request(subsets, filter, ""), stopAfter: int.MaxValue);
        var exported = batches.SelectMany(b => b.Shipments).ToList();

        Assert.True(searched.Count >= minimum, $"{label}: {searched.Count} records");
        if (filter is null && (subsets.Length == 0 || subsets.Contains(DataSubset.ShipmentCore)))
        {
            // The data exercises what the encoder assembles from joined rows.
            Assert.Contains(exported, s => s.Goods.Count > 1);
            Assert.Contains(exported, s => s.Risk is { Reasons.Count: > 0 });
            Assert.Contains(exported, s => s.Risk is null);
            Assert.Contains(exported, s => s.Risk is { Reasons.Count: 0, ScoredAt: null });
            Assert.Contains(exported, s => s.Risk?.Reasons.Any(r => r.Detail.Contains('€', StringComparison.Ordinal)) == true);
            Assert.Contains(exported, s => s.DeclaredAt.Nanos != 0);
            Assert.Contains(exported, s => s.Risk is { Reasons.Count: 8 } && s.Risk.Reasons[0].Detail.Length > 150);
        }

        if (filter is null && subsets.Contains(DataSubset.Listings))
        {
            Assert.Contains(exported, s => s.Listings.Count > 1);
        }

        if (filter is null && subsets.Contains(DataSubset.ShipmentParties))
        {
            Assert.Contains(exported, s => s.Consignor is { Name: "", AddressLines.Count: 0 });
            Assert.Contains(exported, s => s.Consignee.AddressLines.Count == 2 && s.Consignee.Name.StartsWith("Zoë", StringComparison.Ordinal));
        }

        AssertEqual(label, searched, exported);
    }

    private static void AssertEqual(string label, List<Shipment> searched, List<Shipment> exported)
    {
        Assert.Equal(searched.Count, exported.Count);
        for (var i = 0; i < searched.Count; i++)
        {
            Assert.True(searched[i].Equals(exported[i]), $"{label}: record {i} differs:\n search {searched[i]}\n export {exported[i]}");
        }
    }

    private async Task<List<Shipment>> SearchAsync(string agency, DataSubset[] subsets, ShipmentFilter? filter)
    {
        using var connection = gateway.Connect(agency);
        using var channel = connection.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        var searched = new List<Shipment>();
        var token = "";
        do
        {
            var request = new SearchShipmentsRequest { Context = Calls.Context(), PageSize = 1000, PageToken = token, Filter = filter };
            request.Subsets.AddRange(subsets);
            var page = await client.SearchShipmentsAsync(request);
            searched.AddRange(page.Shipments);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return searched;
    }

    private static ExportShipmentsRequest Request(DataSubset[] subsets, ShipmentFilter? filter, string resumeToken)
    {
        var request = new ExportShipmentsRequest { Context = Calls.Context(), BatchSize = 333, Filter = filter, ResumeToken = resumeToken };
        request.Subsets.AddRange(subsets);
        return request;
    }

    /// <summary>The batches as sent: each decoded with the generated type, and its bytes checked against that type's own encoding.</summary>
    private static async Task<List<ShipmentBatch>> ExportAsync(CallInvoker invoker, ExportShipmentsRequest request, int stopAfter)
    {
        var batches = new List<ShipmentBatch>();
        using var call = invoker.AsyncServerStreamingCall(RawExport, null, new CallOptions(), request);
        while (batches.Count < stopAfter && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var bytes = call.ResponseStream.Current;
            var batch = ShipmentBatch.Parser.ParseFrom(bytes);
            Assert.Equal(Convert.ToHexString(batch.ToByteArray()), Convert.ToHexString(bytes));
            Assert.NotEqual("", batch.ResumeToken);
            batches.Add(batch);
        }

        return batches;
    }
}
