using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>
/// IngestService end to end as the platform (ingest:write) over real mTLS: partial acceptance with
/// per-record reasons, idempotent re-sends, the scope check, the ingest sequence under concurrent
/// streams, and brands with reference prices.
/// </summary>
public sealed class IngestTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private static readonly DateTime Declared = new(2026, 11, 10, 9, 0, 0, DateTimeKind.Utc);

    internal static Seller Seller(string id) => new()
    {
        SellerId = id, LegalName = $"{id} Trading Co., Ltd.", TradingName = id, Country = "CN",
        Status = SellerStatus.Active, VerificationStatus = "VERIFIED",
        AccountCreatedAt = Timestamp.FromDateTime(Declared.AddYears(-1)), PayoutAccountMasked = "CN** **** 0001",
    };

    internal static Shipment Parcel(string id, string sellerId, string destination = "FR", long valueMinor = 1500) => new()
    {
        ShipmentId = id, TrackingNumber = "LX" + id, SellerId = sellerId, PlatformOrderId = "ORD-" + id,
        Consignor = new Party { Name = "Sender", Country = "CN" },
        Consignee = new Party { Name = "Recipient " + id, City = "Paris", Country = destination },
        OriginCountry = "CN", DestinationCountry = destination, CountriesOfRouting = { "BE" }, Carrier = "China Post", TransportMode = "AIR",
        DeclaredAt = Timestamp.FromDateTime(Declared), ShippedAt = Timestamp.FromDateTime(Declared.AddDays(-2)),
        Goods =
        {
            new GoodsItem
            {
                Description = "sneakers", HsCode = "640411", Quantity = 1, GrossMassGrams = 800,
                IntrinsicValue = new Money { AmountMinor = valueMinor, Currency = "EUR" }, CountryOfOrigin = "CN", Brand = "Nike",
            },
            new GoodsItem
            {
                Description = "socks", HsCode = "6115950000", Quantity = 3, GrossMassGrams = 120,
                IntrinsicValue = new Money { AmountMinor = 300, Currency = "EUR" }, CountryOfOrigin = "CN",
            },
        },
    };

    private static async Task<IngestSummary> Send<T>(AsyncClientStreamingCall<T, IngestSummary> call, IEnumerable<T> records)
    {
        foreach (var record in records)
        {
            await call.RequestStream.WriteAsync(record);
        }

        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private IngestService.IngestServiceClient Platform(out IDisposable scope)
    {
        var connection = gateway.Connect("platform");
        var channel = connection.CreateChannel();
        scope = new Disposables(channel, connection);
        return new IngestService.IngestServiceClient(channel);
    }

    private async Task<long> Scalar(string sql, object? args = null)
    {
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    [Fact]
    public async Task A_stream_with_invalid_records_keeps_the_valid_ones_and_reports_each_rejection()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        var sellers = await Send(client.UpsertSellers(), [Seller("SEL-IT-A"), Seller("SEL-IT-B")]);
        Assert.Equal((2L, 2L, 0L), (sellers.Received, sellers.Inserted, sellers.Rejected));

        var lowerCase = Parcel("SHP-IT-BAD-1", "SEL-IT-A", destination: "fr");
        var badHs = Parcel("SHP-IT-BAD-2", "SEL-IT-A");
        badHs.Goods[1].HsCode = "61159";
        var unknownSeller = Parcel("SHP-IT-BAD-3", "SEL-NOBODY");
        var negative = Parcel("SHP-IT-BAD-4", "SEL-IT-B");
        negative.Goods[0].Quantity = -1;
        var undated = Parcel("SHP-IT-BAD-5", "SEL-IT-B");
        undated.DeclaredAt = null;
        var noId = Parcel("", "SEL-IT-B");
        Shipment[] stream =
        [
            Parcel("SHP-IT-OK-1", "SEL-IT-A"), lowerCase, Parcel("SHP-IT-OK-2", "SEL-IT-B"), badHs, unknownSeller,
            Parcel("SHP-IT-OK-3", "SEL-IT-A", "DE"), negative, undated, noId, Parcel("SHP-IT-OK-4", "SEL-IT-B"),
        ];

        var summary = await Send(client.UpsertShipments(), stream);

        Assert.Equal(10, summary.Received);
        Assert.Equal(4, summary.Inserted);
        Assert.Equal(0, summary.Updated);
        Assert.Equal(6, summary.Rejected);
        var rejections = summary.Rejections.ToDictionary(r => r.Index);
        Assert.Equal([1L, 3, 4, 6, 7, 8], rejections.Keys.Order());
        Assert.Equal("SHP-IT-BAD-1", rejections[1].Id);
        Assert.Contains("destination_country: not an ISO 3166-1 alpha-2 code", rejections[1].Reason, StringComparison.Ordinal);
        Assert.Contains("consignee.country", rejections[1].Reason, StringComparison.Ordinal);
        Assert.Equal("goods[1].hs_code: must be 6 to 10 digits", rejections[3].Reason);
        Assert.Equal("SHP-IT-BAD-3", rejections[4].Id);
        Assert.Contains("unknown seller \"SEL-NOBODY\"", rejections[4].Reason, StringComparison.Ordinal);
        Assert.Equal("goods[0].quantity: must not be negative", rejections[6].Reason);
        Assert.Equal("declared_at: required", rejections[7].Reason);
        Assert.Equal(("", "shipment_id: required"), (rejections[8].Id, rejections[8].Reason));

        Assert.Equal(4, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'SHP-IT-OK-%'"));
        Assert.Equal(0, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'SHP-IT-BAD-%'"));
        Assert.Equal(8, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id LIKE 'SHP-IT-OK-%'"));

        // And an agency sees the ingested parcel, goods, route and all.
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var seen = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(
            new GetShipmentRequest { Context = Calls.Context(), ShipmentId = "SHP-IT-OK-2" });
        Assert.Equal(2, seen.Goods.Count);
        Assert.Equal(["BE"], seen.CountriesOfRouting);
    }

    [Fact]
    public async Task Re_sending_a_stream_updates_and_never_duplicates()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        await Send(client.UpsertSellers(), [Seller("SEL-IT-R")]);
        var parcels = Enumerable.Range(1, 30).Select(i => Parcel($"SHP-IT-R-{i:D2}", "SEL-IT-R")).ToList();
        var listings = Enumerable.Range(1, 5).Select(i => new Listing
        {
            ListingId = $"LST-IT-R-{i}", SellerId = "SEL-IT-R", Title = "Running shoes, unbranded", Url = "https://marketplace.example/l/" + i,
            Category = "footwear", Price = new Money { AmountMinor = 2999, Currency = "EUR" },
        }).ToList();

        var first = await Send(client.UpsertShipments(), parcels);
        var firstListings = await Send(client.UpsertListings(), listings);
        var counts = await Counts();

        parcels[0].Goods.RemoveAt(1);
        parcels[0].Consignee.Name = "Changed Name";
        var again = await Send(client.UpsertShipments(), parcels);
        var againListings = await Send(client.UpsertListings(), listings);
        var sellersAgain = await Send(client.UpsertSellers(), [Seller("SEL-IT-R")]);

        Assert.Equal((30L, 0L), (first.Inserted, first.Updated));
        Assert.Equal((0L, 30L, 0L), (again.Inserted, again.Updated, again.Rejected));
        Assert.Equal((5L, 0L), (firstListings.Inserted, firstListings.Updated));
        Assert.Equal((0L, 5L), (againListings.Inserted, againListings.Updated));
        Assert.Equal((0L, 1L), (sellersAgain.Inserted, sellersAgain.Updated));
        var after = await Counts();
        Assert.Equal(counts with { Goods = counts.Goods - 1 }, after);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id = 'SHP-IT-R-01'"));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-R-01' AND consignee_name = 'Changed Name'"));

        async Task<(long Shipments, long Goods, long Countries, long Listings)> Counts() => (
            await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'SHP-IT-R-%'"),
            await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id LIKE 'SHP-IT-R-%'"),
            await Scalar("SELECT COUNT(*) FROM shipment_countries WHERE shipment_id LIKE 'SHP-IT-R-%'"),
            await Scalar("SELECT COUNT(*) FROM listings WHERE listing_id LIKE 'LST-IT-R-%'"));
    }

    [Fact]
    public async Task Shipments_sent_many_to_a_message_are_checked_counted_and_written_one_by_one()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        await Send(client.UpsertSellers(), [Seller("SEL-IT-M")]);
        var parcels = Enumerable.Range(0, 2300).Select(i => Parcel($"SHP-IT-M-{i:D4}", "SEL-IT-M", i % 2 == 0 ? "FR" : "DE")).ToList();
        parcels[1].DestinationCountry = "fr";
        parcels[1001].Goods.Clear();
        parcels[2299].SellerId = "SEL-NOBODY";
        // Messages of one, none, a thousand and more shipments, so that messages and the gateway's write
        // batches of 1,000 fall at different places.
        int[] sizes = [1, 0, 1, 998, 1, 1299, 0];
        var messages = new List<ShipmentIngestBatch>();
        var at = 0;
        foreach (var size in sizes)
        {
            messages.Add(new ShipmentIngestBatch { Shipments = { parcels.Skip(at).Take(size) } });
            at += size;
        }

        var summary = await Send(client.UpsertShipmentBatches(), messages);

        Assert.Equal((2300L, 2297L, 0L, 3L), (summary.Received, summary.Inserted, summary.Updated, summary.Rejected));
        // Positions count shipments in the stream, not messages.
        Assert.Equal([(1L, "SHP-IT-M-0001"), (1001L, "SHP-IT-M-1001"), (2299L, "SHP-IT-M-2299")], summary.Rejections.Select(r => (r.Index, r.Id)));
        Assert.Contains("destination_country", summary.Rejections[0].Reason, StringComparison.Ordinal);
        Assert.Contains("goods: at least one goods line is required", summary.Rejections[1].Reason, StringComparison.Ordinal);
        Assert.Contains("unknown seller \"SEL-NOBODY\"", summary.Rejections[2].Reason, StringComparison.Ordinal);
        Assert.Equal(2297, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'SHP-IT-M-%'"));
        Assert.Equal(2 * 2297, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id LIKE 'SHP-IT-M-%'"));
        Assert.Equal(3 * 2297, await Scalar("SELECT COUNT(*) FROM shipment_countries WHERE shipment_id LIKE 'SHP-IT-M-%'"));

        // Written in stream order, as one record a message would be.
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        var sequence = (await connection.QueryAsync<long>(
            "SELECT ingest_seq FROM shipments WHERE shipment_id LIKE 'SHP-IT-M-%' ORDER BY shipment_id")).ToList();
        Assert.Equal(sequence.Order(), sequence);

        // A re-send in other message sizes changes the one shipment that changed.
        parcels[2].Carrier = "Changed Carrier";
        var again = await Send(client.UpsertShipmentBatches(), parcels.Chunk(700).Select(c => new ShipmentIngestBatch { Shipments = { c } }));
        Assert.Equal((2300L, 0L, 2297L, 3L), (again.Received, again.Inserted, again.Updated, again.Rejected));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'SHP-IT-M-%' AND ingest_seq > @Last", new { Last = sequence.Max() }));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-M-0002' AND carrier = 'Changed Carrier'"));
    }

    [Fact]
    public async Task An_agency_cannot_ingest()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new IngestService.IngestServiceClient(channel);

        var e = await Assert.ThrowsAsync<RpcException>(() => Send(client.UpsertSellers(), [Seller("SEL-IT-FR")]));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(0, await Scalar("SELECT COUNT(*) FROM sellers WHERE seller_id = 'SEL-IT-FR'"));
    }

    [Fact]
    public async Task The_ingest_sequence_strictly_increases_across_concurrent_streams_and_updates()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        await Send(client.UpsertSellers(), [Seller("SEL-IT-S")]);
        var before = await Scalar("SELECT COALESCE(MAX(ingest_seq), 0) FROM shipments");

        // Two streams at once, each several batches long, so their transactions interleave.
        var a = Enumerable.Range(0, 1200).Select(i => Parcel($"SHP-IT-SA-{i:D4}", "SEL-IT-S")).ToList();
        var b = Enumerable.Range(0, 1200).Select(i => Parcel($"SHP-IT-SB-{i:D4}", "SEL-IT-S", "DE")).ToList();
        var results = await Task.WhenAll(Send(client.UpsertShipments(), a), Send(client.UpsertShipments(), b));
        Assert.All(results, r => Assert.Equal((1200L, 1200L), (r.Received, r.Inserted)));

        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        var rows = (await connection.QueryAsync<(string Id, long Seq)>(
            "SELECT shipment_id, ingest_seq FROM shipments WHERE shipment_id LIKE 'SHP-IT-S_-%'")).ToList();
        Assert.Equal(2400, rows.Count);
        Assert.Equal(2400, rows.Select(r => r.Seq).Distinct().Count());
        Assert.All(rows, r => Assert.True(r.Seq > before));
        foreach (var prefix in new[] { "SHP-IT-SA-", "SHP-IT-SB-" })
        {
            // Within one stream, later records get later sequences.
            var ordered = rows.Where(r => r.Id.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Seq).ToList();
            Assert.Equal(ordered.Order(), ordered);
        }

        // Every shipment of both streams is in its destination's, origin's and routing country's jurisdictions.
        Assert.Equal(0, await Scalar("""
            SELECT COUNT(*) FROM shipments s
            WHERE s.shipment_id LIKE 'SHP-IT-S_-%'
              AND (SELECT COUNT(*) FROM shipment_countries c
                   WHERE c.shipment_id = s.shipment_id AND c.country IN (s.destination_country, 'CN', 'BE')) <> 3
            """));

        // An update takes a new, higher sequence: the scoring job sees changed shipments too.
        var max = rows.Max(r => r.Seq);
        a[0].Carrier = "DHL";
        await Send(client.UpsertShipments(), [a[0]]);
        Assert.Equal(max + 1, await Scalar("SELECT ingest_seq FROM shipments WHERE shipment_id = 'SHP-IT-SA-0000'"));
    }

    [Fact]
    public async Task An_identical_re_send_writes_nothing_and_a_changed_one_is_rewritten_with_a_new_sequence()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        await Send(client.UpsertSellers(), [Seller("SEL-IT-H")]);
        var one = Parcel("SHP-IT-H-1", "SEL-IT-H");
        var two = Parcel("SHP-IT-H-2", "SEL-IT-H");
        await Send(client.UpsertShipments(), [one, two]);
        var seqOne = await Seq("SHP-IT-H-1");
        var seqTwo = await Seq("SHP-IT-H-2");

        // The same records again (a retried feed): counted as updates, nothing rewritten, no new sequence.
        var again = await Send(client.UpsertShipments(), [one.Clone(), two.Clone()]);
        Assert.Equal((0L, 2L, 0L), (again.Inserted, again.Updated, again.Rejected));
        Assert.Equal((seqOne, seqTwo), (await Seq("SHP-IT-H-1"), await Seq("SHP-IT-H-2")));

        // A change anywhere in the record (here: a goods line and the route) rewrites it: new sequence,
        // goods and jurisdiction rows replaced.
        two.Goods[1].Description = "wool socks";
        two.CountriesOfRouting.Add("DE");
        var changed = await Send(client.UpsertShipments(), [one, two]);
        Assert.Equal((0L, 2L), (changed.Inserted, changed.Updated));
        Assert.Equal(seqOne, await Seq("SHP-IT-H-1"));
        var newSeqTwo = await Seq("SHP-IT-H-2");
        Assert.True(newSeqTwo > seqTwo);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id = 'SHP-IT-H-2' AND description = 'wool socks'"));
        Assert.Equal(2, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id = 'SHP-IT-H-2'"));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipment_countries WHERE shipment_id = 'SHP-IT-H-2' AND country = 'DE'"));
        Assert.Equal(4, await Scalar("SELECT COUNT(*) FROM shipment_countries WHERE shipment_id = 'SHP-IT-H-2'"));

        // The same id twice in one stream (one batch): the last version wins, rows are not doubled.
        var first = two.Clone();
        first.Goods.RemoveAt(1);
        var last = two.Clone();
        last.Goods[0].Description = "running shoes";
        var twice = await Send(client.UpsertShipments(), [first, last]);
        Assert.Equal((0L, 2L, 0L), (twice.Inserted, twice.Updated, twice.Rejected));
        Assert.Equal(2, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id = 'SHP-IT-H-2'"));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id = 'SHP-IT-H-2' AND description = 'running shoes'"));

        // Retention blanked the personal data: an identical re-send restores it, as before.
        await using (var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync())
        {
            await connection.ExecuteAsync(
                "UPDATE shipments SET consignee_name = '', personal_data_removed_at = @at WHERE shipment_id = 'SHP-IT-H-1'",
                new { at = DateTime.UtcNow });
        }

        await Send(client.UpsertShipments(), [one]);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-H-1' AND consignee_name = 'Recipient SHP-IT-H-1' AND personal_data_removed_at IS NULL"));
        Assert.True(await Seq("SHP-IT-H-1") > seqOne);
        // Restored, the row is whole again: the next identical re-send writes nothing.
        var seqRestored = await Seq("SHP-IT-H-1");
        await Send(client.UpsertShipments(), [one]);
        Assert.Equal(seqRestored, await Seq("SHP-IT-H-1"));

        Task<long> Seq(string id) => Scalar("SELECT ingest_seq FROM shipments WHERE shipment_id = @id", new { id });
    }

    [Fact]
    public async Task A_changed_shipment_is_stored_exactly_whichever_of_its_indexed_or_jurisdiction_values_changed()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        await Send(client.UpsertSellers(), [Seller("SEL-IT-X"), Seller("SEL-IT-Y")]);
        var parcel = Parcel("SHP-IT-X-1", "SEL-IT-X");
        await Send(client.UpsertShipments(), [parcel]);
        var seq = await Seq();

        // Only values no index covers (the carrier, a goods line): written without the indexed columns and
        // without touching the jurisdiction rows, which stay right.
        parcel.Carrier = "La Poste";
        parcel.Goods[0].Description = "running shoes";
        parcel.Consignee.City = "Lyon";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.True(await Seq() > seq);
        seq = await Seq();
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND carrier = 'La Poste' AND consignee_city = 'Lyon'"));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id = 'SHP-IT-X-1' AND description = 'running shoes'"));
        Assert.Equal(["BE", "CN", "FR"], await Countries());

        // Each indexed value on its own, a change of letter case or a trailing space included: stored as sent.
        // (SQL Server's collations call these equal: there every change is written in full.)
        var changes = new (string Column, Action<Shipment> Change, string Expected)[]
        {
            ("tracking_number", p => p.TrackingNumber = "lxSHP-IT-X-1", "lxSHP-IT-X-1"),
            ("mrn", p => p.Mrn = "26FRX0000000000001", "26FRX0000000000001"),
            ("seller_id", p => p.SellerId = "SEL-IT-Y", "SEL-IT-Y"),
            ("consignee_name", p => p.Consignee.Name = "Recipient SHP-IT-X-1 ", "Recipient SHP-IT-X-1 "),
            ("consignee_postcode", p => p.Consignee.Postcode = "69001", "69001"),
        };
        foreach (var (column, change, expected) in changes)
        {
            change(parcel);
            await Send(client.UpsertShipments(), [parcel]);
            Assert.Equal(1, await Scalar($"SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND {column} = @expected", new { expected }));
            Assert.True(await Seq() > seq, column);
            seq = await Seq();
        }

        parcel.DeclaredAt = Timestamp.FromDateTime(Declared.AddMinutes(1));
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND declared_at = @at", new { at = Declared.AddMinutes(1) }));

        // One indexed value with others that no index covers (written by the statement that sets that one column),
        // then two and three indexed values at once (that statement, then one per further column), then five (written
        // in full): every value lands, the old ones are gone, and the indexes agree with the table.
        parcel.Mrn = "26FRX0000000000002";
        parcel.Carrier = "Chronopost";
        parcel.Consignee.Phone = "+33 4 00 00 00 00";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND mrn = '26FRX0000000000002' AND carrier = 'Chronopost' AND consignee_phone = '+33 4 00 00 00 00' AND tracking_number = 'lxSHP-IT-X-1'"));
        parcel.TrackingNumber = "LX-RELABELLED-1";
        parcel.Consignee.Postcode = "69002";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND tracking_number = 'LX-RELABELLED-1' AND consignee_postcode = '69002' AND mrn = '26FRX0000000000002'"));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE tracking_number = 'LX-RELABELLED-1'"));
        Assert.Equal(0, await Scalar("SELECT COUNT(*) FROM shipments WHERE tracking_number = 'lxSHP-IT-X-1' OR mrn = '26FRX0000000000001'"));
        parcel.Mrn = "26FRX0000000000003";
        parcel.Consignee.Name = "Recipient relabelled";
        parcel.Consignee.Postcode = "69003";
        parcel.Consignee.Email = "relabelled@example.org";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND mrn = '26FRX0000000000003' AND consignee_name = 'Recipient relabelled' AND consignee_postcode = '69003' AND consignee_email = 'relabelled@example.org' AND tracking_number = 'LX-RELABELLED-1' AND seller_id = 'SEL-IT-Y'"));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE consignee_postcode = '69003' AND consignee_name = 'Recipient relabelled'"));
        Assert.Equal(0, await Scalar("SELECT COUNT(*) FROM shipments WHERE mrn = '26FRX0000000000002' OR consignee_postcode = '69002'"));
        parcel.TrackingNumber = "LX-RELABELLED-2";
        parcel.Mrn = "26FRX0000000000004";
        parcel.SellerId = "SEL-IT-X";
        parcel.Consignee.Name = "Recipient again";
        parcel.Consignee.Postcode = "69004";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND tracking_number = 'LX-RELABELLED-2' AND mrn = '26FRX0000000000004' AND seller_id = 'SEL-IT-X' AND consignee_name = 'Recipient again' AND consignee_postcode = '69004'"));
        Assert.Equal(0, await Scalar("SELECT COUNT(*) FROM shipments WHERE tracking_number = 'LX-RELABELLED-1' OR mrn = '26FRX0000000000003' OR consignee_postcode = '69003'"));
        if (gateway.Provider == "sqlite")
        {
            await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
            Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
        }

        // Jurisdiction: the rows follow the destination, the origin and the route, each on its own.
        parcel.DestinationCountry = "DE";
        parcel.Consignee.Country = "DE";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(["BE", "CN", "DE"], await Countries());
        parcel.CountriesOfRouting[0] = "NL";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(["CN", "DE", "NL"], await Countries());
        parcel.OriginCountry = "HK";
        await Send(client.UpsertShipments(), [parcel]);
        Assert.Equal(["DE", "HK", "NL"], await Countries());
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM shipments WHERE shipment_id = 'SHP-IT-X-1' AND origin_country = 'HK' AND destination_country = 'DE' AND countries_of_routing = 'NL'"));

        Task<long> Seq() => Scalar("SELECT ingest_seq FROM shipments WHERE shipment_id = 'SHP-IT-X-1'");

        async Task<List<string>> Countries()
        {
            await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
            return (await connection.QueryAsync<string>("SELECT country FROM shipment_countries WHERE shipment_id = 'SHP-IT-X-1' ORDER BY country")).AsList();
        }
    }

    [Fact]
    public async Task The_writer_knows_every_indexed_column_of_shipments()
    {
        // ShipmentWriter writes a changed shipment without its indexed columns when they are unchanged; a new
        // index on another column is still kept right, only dearer to maintain. This keeps the list complete.
        var sql = gateway.Provider switch
        {
            "sqlite" => "SELECT DISTINCT ii.name FROM pragma_index_list('shipments') il, pragma_index_info(il.name) ii",
            "postgres" => """
                SELECT DISTINCT a.attname FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
                WHERE c.relname = 'shipments'
                """,
            _ => null,
        };
        if (sql is null)
        {
            return;
        }

        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        var indexed = (await connection.QueryAsync<string>(sql)).ToHashSet();
        indexed.ExceptWith(["shipment_id", "ingest_seq"]);
        Assert.Equal(indexed.Order(), Gateway.Server.Shipments.ShipmentWriter.IndexedColumns.Order());
    }

    [Fact]
    public async Task Brands_are_stored_with_aliases_and_reference_prices_replaced_as_a_whole()
    {
        var client = Platform(out var scope);
        using var _ = scope;
        static ReferencePrice Range(string category, long min, long max) => new()
        {
            Category = category, Min = new Money { AmountMinor = min, Currency = "EUR" }, Max = new Money { AmountMinor = max, Currency = "EUR" },
        };
        var brand = new Brand { BrandId = "BR-IT-GUCCI", Name = "Gucci", Aliases = { "Guci", "Gucchi", "GG" }, ReferencePrices = { Range("handbags", 90000, 450000), Range("footwear", 45000, 120000) } };
        var inverted = new Brand { BrandId = "BR-IT-BAD", Name = "Bad", ReferencePrices = { Range("watches", 5000, 100) } };

        var summary = await Send(client.UpsertBrands(), [brand, inverted]);

        Assert.Equal((2L, 1L, 1L), (summary.Received, summary.Inserted, summary.Rejected));
        Assert.Equal("reference_prices[0].max: must not be below min", Assert.Single(summary.Rejections).Reason);
        await using (var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync())
        {
            Assert.Equal("Guci\nGucchi\nGG", await connection.ExecuteScalarAsync<string>("SELECT aliases FROM brands WHERE brand_id = 'BR-IT-GUCCI'"));
            var prices = (await connection.QueryAsync<(string Category, long Min, long Max, string Currency)>(
                "SELECT category, min_minor, max_minor, currency FROM brand_reference_prices WHERE brand_id = 'BR-IT-GUCCI' ORDER BY category")).ToList();
            Assert.Equal([("footwear", 45000L, 120000L, "EUR"), ("handbags", 90000L, 450000L, "EUR")], prices);
        }

        brand.ReferencePrices.RemoveAt(1);
        var again = await Send(client.UpsertBrands(), [brand]);
        Assert.Equal((0L, 1L), (again.Inserted, again.Updated));
        Assert.Equal(1, await Scalar("SELECT COUNT(*) FROM brand_reference_prices WHERE brand_id = 'BR-IT-GUCCI'"));
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }
}
