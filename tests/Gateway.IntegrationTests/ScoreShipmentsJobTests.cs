using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Gateway.Server.Listings;
using Gateway.Server.Risk;
using Gateway.Server.Sellers;
using Gateway.Server.Shipments;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests;

/// <summary>A gateway whose scoring job reads tiny batches, so two concurrent runs really contend for the same batches.</summary>
public sealed class SmallBatchGateway : GatewayServer
{
    protected override IEnumerable<string> AdditionalArgs() => ["--Gateway:Risk:BatchSize=2"];
}

/// <summary>
/// The scoring job against a real SQLite database: the demo data plus a small deterministic set (replica listings
/// to FR, DE, BE via DE and NL; a mid-score parcel routed through DE; an honest one; a split consignment; a consignee
/// with an earlier confirmed seizure), two runs at once, then a third run and a replay from watermark 0.
/// </summary>
public sealed class ScoreShipmentsJobTests(SmallBatchGateway gateway, ITestOutputHelper output) : IClassFixture<SmallBatchGateway>
{
    [Fact]
    public async Task Leads_go_to_the_covering_agencies_above_their_threshold_exactly_once_even_with_concurrent_runs()
    {
        var now = gateway.Clock.GetUtcNow().UtcDateTime;
        var database = gateway.Services.GetRequiredService<Database>();
        await SeedAsync(database, now);
        var job = gateway.Services.GetRequiredService<ScoreShipmentsJob>();

        // Two runs at once: every batch is committed by exactly one of them.
        var runs = await Task.WhenAll(Task.Run(() => job.RunAsync(CancellationToken.None)), Task.Run(() => job.RunAsync(CancellationToken.None)));
        output.WriteLine(string.Join(Environment.NewLine, runs.Select(r => r.ToString())));
        await using var connection = await database.OpenAsync();
        var shipmentCount = await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM shipments");
        Assert.Equal(shipmentCount, runs.Sum(r => r.ShipmentsScored));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM shipments WHERE risk_score IS NULL OR scored_at IS NULL"));

        var expected = new[]
        {
            ("de-customs", "IT-BE-1"), ("de-customs", "IT-DE-1"), ("de-customs", "SHP-DEMO-0002"), ("de-customs", "SHP-DEMO-0003"),
            ("fr-customs", "IT-FR-1"), ("fr-customs", "IT-FRDE-MID"), ("fr-customs", "SHP-DEMO-0001"),
        };
        Assert.Equal(expected, await LeadsAsync(connection));
        Assert.Equal(expected.Length, runs.Sum(r => r.LeadsCreated));

        // A lead carries the score, the reasons and a narrative; its reasons explain the score.
        var lead = await connection.QuerySingleAsync<(string Source, string Status, string SellerId, int Score, string Reasons, string Narrative, string DedupKey)>(
            "SELECT source, status, seller_id, score, reasons, narrative, dedup_key FROM leads WHERE agency_id = 'fr-customs' AND dedup_key = 'shipment:IT-FR-1'");
        Assert.Equal(("RISK_ENGINE", "PENDING", "SEL-R1", 100), (lead.Source, lead.Status, lead.SellerId, lead.Score));
        var reasons = RiskJson.Deserialize(lead.Reasons);
        Assert.Equal(lead.Score, reasons.Sum(r => r.Weight));
        Assert.Contains(reasons, r => r.Code == RiskRules.ReplicaTerm && r.Detail.Contains("'1:1'", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Code == RiskRules.SellerStrikes);
        Assert.Contains("Risk engine score 100/100 for shipment IT-FR-1", lead.Narrative, StringComparison.Ordinal);

        // Rules fed by the history queries.
        Assert.Contains(RiskRules.Splitting, await CodesAsync(connection, "IT-SPLIT-2"));
        Assert.Contains(RiskRules.Splitting, await CodesAsync(connection, "IT-SPLIT-3"));
        Assert.DoesNotContain(RiskRules.Splitting, await CodesAsync(connection, "IT-SPLIT-FAR"));
        Assert.Equal([RiskRules.SellerSeizureHistory, RiskRules.ConsigneePriorSeizure], await CodesAsync(connection, "IT-KARL-2"));
        Assert.Empty(await CodesAsync(connection, "IT-FR-HONEST"));
        Assert.Equal(65, await connection.ExecuteScalarAsync<int>("SELECT risk_score FROM shipments WHERE shipment_id = 'IT-FRDE-MID'"));

        // Nothing new on a third run; a replay from watermark 0 re-scores everything and still creates no lead twice.
        var again = await job.RunAsync(CancellationToken.None);
        Assert.Equal((0, 0), (again.ShipmentsScored, again.LeadsCreated));
        await connection.ExecuteAsync("UPDATE job_watermarks SET position = 0 WHERE job_name = 'score-shipments'");
        var replay = await job.RunAsync(CancellationToken.None);
        Assert.Equal((shipmentCount, 0), (replay.ShipmentsScored, replay.LeadsCreated));
        Assert.Equal(expected, await LeadsAsync(connection));
        Assert.Equal(expected.Length, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM lead_shipments"));

        // The agency sees the score and its reasons on the shipment through the API.
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var shipment = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(
            new GetShipmentRequest { Context = Calls.Context(), ShipmentId = "IT-FR-1" });
        Assert.Equal(100, shipment.Risk.Score);
        Assert.Equal(100, shipment.Risk.Reasons.Sum(r => r.Weight));
        Assert.Contains(shipment.Risk.Reasons, r => r.Code == RiskRules.BrandWithReplicaTerm);
    }

    private static async Task<(string, string)[]> LeadsAsync(System.Data.Common.DbConnection connection) =>
        (await connection.QueryAsync<(string AgencyId, string ShipmentId)>("""
            SELECT l.agency_id, ls.shipment_id FROM leads l JOIN lead_shipments ls ON ls.lead_id = l.lead_id
            ORDER BY l.agency_id, ls.shipment_id
            """)).Select(r => (r.AgencyId, r.ShipmentId)).ToArray();

    private static async Task<string[]> CodesAsync(System.Data.Common.DbConnection connection, string shipmentId) =>
        RiskJson.Deserialize(await connection.ExecuteScalarAsync<string>(
            "SELECT risk_reasons FROM shipments WHERE shipment_id = @shipmentId", new { shipmentId }) ?? "[]").Select(r => r.Code).ToArray();

    private async Task SeedAsync(Database database, DateTime now)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO brands (brand_id, name, aliases, updated_at) VALUES
              ('gucci', 'Gucci', 'GG', @now), ('rolex', 'Rolex', '', @now), ('nike', 'Nike', 'Air Jordan', @now);
            INSERT INTO brand_reference_prices (brand_id, category, min_minor, max_minor, currency) VALUES
              ('gucci', 'handbags', 90000, 400000, 'EUR'), ('rolex', 'watches', 500000, 5000000, 'EUR'), ('nike', 'shoes', 6000, 25000, 'EUR');
            UPDATE agencies SET lead_threshold = 70 WHERE id = 'de-customs';
            INSERT INTO seller_strikes (seizure_id, seller_id, agency_id, recorded_at) VALUES ('SZ-OLD-R1', 'SEL-R1', 'fr-customs', @monthAgo);
            """, new { now, monthAgo = now.AddDays(-30) });

        // A suspended agency covering BE and NL with a threshold anyone meets: it must get nothing.
        await gateway.Agencies.AddAsync(new Agency("be-customs", Agency.KindAgency, "Douane BE (suspended)", Agency.StatusSuspended,
            ["BE", "NL"], ["leads:read"], new HashSet<DataSubset> { DataSubset.ShipmentCore }, "CN=be-customs, O=Douane, C=BE", null, 1));

        var sellers = gateway.Services.GetRequiredService<SellerWriter>();
        var listings = gateway.Services.GetRequiredService<ListingWriter>();
        var shipments = gateway.Services.GetRequiredService<ShipmentWriter>();
        await using var transaction = await connection.BeginTransactionAsync();
        await sellers.UpsertAsync(connection, transaction, Seller("SEL-R1", now.AddDays(-10)));
        await sellers.UpsertAsync(connection, transaction, Seller("SEL-H1", now.AddYears(-3)));
        await sellers.UpsertAsync(connection, transaction, Seller("SEL-S1", now.AddYears(-2)));
        await sellers.UpsertAsync(connection, transaction, Seller("SEL-O1", now.AddYears(-2)));
        await listings.UpsertAsync(connection, transaction, Listing("LST-R1", "SEL-R1", "Luxury handbag GG monogram 1:1 mirror quality", "Gucci", "handbags"));
        await listings.UpsertAsync(connection, transaction, Listing("LST-R2", "SEL-R1", "R0lex Submariner s.u.p.e.r c.o.p.y automatic", "Rolex", "watches"));
        await listings.UpsertAsync(connection, transaction, Listing("LST-M1", "SEL-H1", "Gucci inspired canvas tote", "", "handbags"));
        await listings.UpsertAsync(connection, transaction, Listing("LST-H1", "SEL-H1", "Nike running shoes, original, with receipt", "Nike", "shoes"));

        var day = now.AddDays(-2);
        Shipment[] parcels =
        [
            Parcel("IT-FR-1", "SEL-R1", "FR", [], "Marie Curie", "75005", "LST-R1", "bag", "Gucci", 700, day),
            Parcel("IT-DE-1", "SEL-R1", "DE", [], "Max Planck", "14195", "LST-R2", "watch", "Rolex", 2500, day),
            Parcel("IT-BE-1", "SEL-R1", "BE", ["DE"], "Lotte Peeters", "2000", "LST-R1", "bag", "Gucci", 690, day),
            Parcel("IT-NL-1", "SEL-R1", "NL", [], "Anne Visser", "1011", "LST-R1", "bag", "Gucci", 650, day),
            Parcel("IT-FRDE-MID", "SEL-H1", "FR", ["DE"], "Paul Martin", "69002", "LST-M1", "canvas tote bag", "", 20000, day),
            Parcel("IT-FR-HONEST", "SEL-H1", "FR", [], "Claire Petit", "33000", "LST-H1", "running shoes", "Nike", 9000, day),
            Parcel("IT-SPLIT-1", "SEL-S1", "DE", [], "Anna Schmidt", "10115", "", "phone case", "", 900, day.AddDays(-3)),
            Parcel("IT-SPLIT-2", "SEL-S1", "DE", [], "Anna Schmidt", "10115", "", "phone case", "", 900, day.AddDays(-2)),
            Parcel("IT-SPLIT-3", "SEL-S1", "DE", [], "Anna Schmidt", "10115", "", "phone case", "", 900, day.AddDays(-1)),
            Parcel("IT-SPLIT-FAR", "SEL-S1", "DE", [], "Anna Schmidt", "10115", "", "phone case", "", 900, day.AddDays(-40)),
            Parcel("IT-KARL-1", "SEL-O1", "DE", [], "Karl Meyer", "80331", "", "leather wallet", "", 5000, day.AddDays(-20)),
            Parcel("IT-KARL-2", "SEL-O1", "DE", [], "Karl Meyer", "80331", "", "leather wallet", "", 5000, day),
        ];
        foreach (var parcel in parcels)
        {
            await shipments.UpsertAsync(connection, transaction, parcel);
        }

        // Karl Meyer's first parcel was seized and confirmed counterfeit before his second one was declared.
        await connection.ExecuteAsync("""
            INSERT INTO seizures (seizure_id, agency_id, request_id, agency_reference, shipment_id, seller_id, lead_id, customs_office,
                                  detained_at, procedure, status, holder_response_due, confirmed_at, created_at, updated_at)
            VALUES ('SZ-KARL-1', 'de-customs', 'req-1', 'DE-REF-1', 'IT-KARL-1', 'SEL-O1', NULL, 'DE004800',
                    @detained, 'STANDARD', 'CONFIRMED_COUNTERFEIT', @due, @confirmed, @detained, @confirmed)
            """, new { detained = day.AddDays(-18), due = day.AddDays(-4), confirmed = day.AddDays(-10) }, transaction);
        await transaction.CommitAsync();
    }

    private static Seller Seller(string id, DateTime created) => new()
    {
        SellerId = id, LegalName = id + " Ltd", TradingName = id, Country = "CN", Status = SellerStatus.Active, VerificationStatus = "VERIFIED",
        AccountCreatedAt = Timestamp.FromDateTime(created), City = "Shenzhen",
    };

    private static Listing Listing(string id, string seller, string title, string brand, string category) => new()
    {
        ListingId = id, SellerId = seller, Title = title, Url = "https://marketplace.example/l/" + id, Brand = brand, Category = category,
        Price = new Money { AmountMinor = 4900, Currency = "EUR" }, CreatedAt = Timestamp.FromDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
    };

    private static Shipment Parcel(string id, string seller, string destination, string[] routing, string consignee, string postcode,
        string listingId, string description, string brand, long valueMinor, DateTime declared)
    {
        var shipment = new Shipment
        {
            ShipmentId = id, TrackingNumber = "TN" + id, Mrn = "", PlatformOrderId = "ORD-" + id, SellerId = seller,
            Consignor = new Party { Name = seller, Country = "CN", City = "Shenzhen" },
            Consignee = new Party { Name = consignee, Postcode = postcode, City = "City", Country = destination },
            OriginCountry = "CN", DestinationCountry = destination, Carrier = "China Post", TransportMode = "AIR",
            DeclaredAt = Timestamp.FromDateTime(declared), ShippedAt = Timestamp.FromDateTime(declared.AddHours(-30)),
            Goods =
            {
                new GoodsItem
                {
                    Description = description, HsCode = "420221", Quantity = 1, GrossMassGrams = 500,
                    IntrinsicValue = new Money { AmountMinor = valueMinor, Currency = "EUR" }, CountryOfOrigin = "CN", Brand = brand, ListingId = listingId,
                },
            },
        };
        shipment.CountriesOfRouting.AddRange(routing);
        return shipment;
    }
}
