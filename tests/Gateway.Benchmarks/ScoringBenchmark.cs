using System.Diagnostics;
using System.Globalization;
using Dapper;
using Gateway.Server.Data;
using Gateway.Server.Risk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Benchmarks;

/// <summary>
/// `scoring [--engine-seconds 5] [--db-shipments 200000]`:
/// (1) the risk engine alone on one thread over a realistic in-memory mix (shipments/s, bytes allocated per shipment);
/// (2) the score-shipments job end to end on a fresh SQLite file of N shipments (shipments/s, leads created).
/// </summary>
internal static class ScoringBenchmark
{
    private static readonly DateTime Now = new(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc);

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Arg(args, "--engine-seconds", 5);
        var dbShipments = Arg(args, "--db-shipments", 200_000);
        Console.WriteLine($"Processors: {Environment.ProcessorCount}; server GC: {System.Runtime.GCSettings.IsServerGC}");

        // 1. Engine only.
        var engine = new RiskEngine(new RiskOptions(), new BrandCatalog(Brands()));
        Console.WriteLine($"Automaton: {engine.MatcherSize.Patterns} patterns, {engine.MatcherSize.States} states");
        var facts = Enumerable.Range(0, 10_000).Select(i => Facts(i)).ToArray();
        var fired = facts.Count(f => engine.Score(f, Now).Score >= 60);
        Console.WriteLine($"Mix: {facts.Length} shipments, {fired} at or above 60, avg title+description chars {facts.Average(f => f.Listings.Sum(l => l.Title.Length) + f.Goods.Sum(g => g.Description.Length)):0}");
        for (var i = 0; i < facts.Length * 3; i++)
        {
            engine.Score(facts[i % facts.Length], Now); // warm-up (tiered JIT)
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        long scored = 0;
        var checksum = 0L;
        while (stopwatch.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < facts.Length; i++)
            {
                checksum += engine.Score(facts[i], Now).Score;
            }

            scored += facts.Length;
        }

        stopwatch.Stop();
        var bytesPerShipment = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)scored;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Engine, 1 thread: {scored / stopwatch.Elapsed.TotalSeconds:N0} shipments/s ({stopwatch.Elapsed.TotalMilliseconds * 1000 / scored:0.00} µs each, {bytesPerShipment:0} B allocated each; checksum {checksum})"));

        // 2. The job end to end on SQLite.
        if (dbShipments > 0)
        {
            await JobAsync(dbShipments);
        }

        return 0;
    }

    private static async Task JobAsync(int count)
    {
        var root = Path.Combine(Path.GetTempPath(), "gateway-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:Storage:ConnectionString"] = $"Data Source={root}/bench.db",
            }).Build();
            await using var services = new ServiceCollection().AddGatewayData(configuration).BuildServiceProvider();
            var database = services.GetRequiredService<Database>();
            Migrator.MigrateUp(database);
            var seed = Stopwatch.StartNew();
            await SeedAsync(database, count);
            Console.WriteLine($"Seeded {count:N0} shipments in {seed.Elapsed.TotalSeconds:0.0} s");

            var job = new ScoreShipmentsJob(database, Options.Create(new RiskOptions()), new FixedClock(Now), NullLogger<ScoreShipmentsJob>.Instance);
            var result = await job.RunAsync(CancellationToken.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Job end to end (SQLite, batch 5000): {result.ShipmentsScored:N0} shipments in {result.Elapsed.TotalSeconds:0.00} s = {result.ShipmentsScored / result.Elapsed.TotalSeconds:N0} shipments/s; {result.LeadsCreated:N0} leads"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    private static async Task SeedAsync(Database database, int count)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var epoch = Now.AddDays(-60);
        await connection.ExecuteAsync("""
            INSERT INTO agencies (id, kind, name, status, jurisdictions, scopes, subsets, certificate_subject, receiver_endpoint, lead_threshold, created_at, updated_at)
            VALUES ('fr-customs', 'agency', 'FR', 'active', 'FR', '', '', 'CN=fr', NULL, 60, @epoch, @epoch),
                   ('de-customs', 'agency', 'DE', 'active', 'DE', '', '', 'CN=de', NULL, 60, @epoch, @epoch)
            """, new { epoch }, transaction);
        foreach (var brand in Brands())
        {
            await connection.ExecuteAsync("INSERT INTO brands (brand_id, name, aliases, updated_at) VALUES (@BrandId, @Name, @Aliases, @epoch)",
                new { brand.BrandId, brand.Name, Aliases = string.Join('\n', brand.Aliases), epoch }, transaction);
            foreach (var price in brand.Prices)
            {
                await connection.ExecuteAsync("INSERT INTO brand_reference_prices (brand_id, category, min_minor, max_minor, currency) VALUES (@BrandId, @Category, @MinMinor, @MaxMinor, @Currency)",
                    new { brand.BrandId, price.Category, price.MinMinor, price.MaxMinor, price.Currency }, transaction);
            }
        }

        const int sellers = 2000;
        await connection.ExecuteAsync("""
            INSERT INTO sellers (seller_id, legal_name, trading_name, registration_number, vat_number, eori, country, status, verification_status,
                                 account_created_at, address_lines, postcode, city, email, phone, payout_account_masked, updated_at)
            VALUES (@Id, @Id, @Id, '', '', '', 'CN', 'ACTIVE', 'VERIFIED', @Created, '', '', '', '', '', '', @epoch)
            """, Enumerable.Range(0, sellers).Select(i => new { Id = $"SEL-{i:D5}", Created = Now.AddDays(-(i % 700)), epoch }), transaction);
        var templates = Enumerable.Range(0, 500).Select(i => Facts(i)).ToArray();
        await connection.ExecuteAsync("""
            INSERT INTO listings (listing_id, seller_id, title, url, brand, category, price_minor, currency, created_at, updated_at)
            VALUES (@Id, @Seller, @Title, '', @Brand, @Category, 1000, 'EUR', @epoch, @epoch)
            """, templates.Select((t, i) => new { Id = $"LST-{i:D5}", Seller = $"SEL-{i % sellers:D5}", t.Listings[0].Title, t.Listings[0].Brand, t.Listings[0].Category, epoch }), transaction);

        string[] destinations = ["FR", "DE", "BE", "NL", "IT", "ES"];
        for (var i = 0; i < count; i++)
        {
            var t = templates[i % templates.Length];
            var id = $"SHP-{i:D8}";
            var destination = destinations[i % destinations.Length];
            var declared = epoch.AddMinutes(i % 80_000);
            await connection.ExecuteAsync("""
                INSERT INTO shipments (shipment_id, ingest_seq, tracking_number, mrn, platform_order_id, seller_id,
                    consignor_name, consignor_address, consignor_postcode, consignor_city, consignor_country, consignor_email, consignor_phone, consignor_eori,
                    consignee_name, consignee_address, consignee_postcode, consignee_city, consignee_country, consignee_email, consignee_phone, consignee_eori,
                    origin_country, destination_country, countries_of_routing, carrier, transport_mode, declared_at, shipped_at, updated_at)
                VALUES (@id, @seq, @id, '', @id, @seller, 'x', '', '', '', 'CN', '', '', '', @consignee, '', @postcode, '', @destination, '', '', '',
                    'CN', @destination, @routing, 'China Post', 'AIR', @declared, @declared, @declared);
                INSERT INTO shipment_goods (shipment_id, line_no, description, hs_code, quantity, gross_mass_grams, value_minor, currency, country_of_origin, brand, listing_id)
                VALUES (@id, 1, @description, '420221', 1, 500, @value, 'EUR', 'CN', @brand, @listing);
                INSERT INTO shipment_countries (shipment_id, country) VALUES (@id, @destination), (@id, 'CN');
                """, new
            {
                id,
                seq = i + 1,
                seller = $"SEL-{i % sellers:D5}",
                consignee = $"Consignee {i % 50_000}",
                postcode = $"{i % 90_000:D5}",
                destination,
                routing = destination == "BE" ? "DE" : "",
                declared,
                description = t.Goods[0].Description,
                value = t.Goods[0].ValueMinor,
                brand = t.Goods[0].Brand,
                listing = $"LST-{i % templates.Length:D5}",
            }, transaction);
            if (destination == "BE")
            {
                await connection.ExecuteAsync("INSERT INTO shipment_countries (shipment_id, country) VALUES (@id, 'DE')", new { id }, transaction);
            }
        }

        await transaction.CommitAsync();
    }

    internal static IEnumerable<Brand> Brands()
    {
        string[] names = ["Gucci", "Louis Vuitton", "Chanel", "Rolex", "Nike", "Adidas", "Apple", "Prada", "Hermès", "Dior", "Cartier", "Burberry", "Moncler", "Ray-Ban", "Omega", "Samsung", "Sony", "Lego", "Pandora", "Swarovski"];
        for (var i = 0; i < 200; i++)
        {
            var name = i < names.Length ? names[i] : $"Brand{i:D3}";
            yield return new Brand(name.ToLowerInvariant(), name, i < names.Length ? [name.ToUpperInvariant()[..2] + "X"] : [],
                [new BrandPrice("handbags", 50000 + (i * 100), 300000, "EUR"), new BrandPrice("watches", 200000, 2000000, "EUR"), new BrandPrice("shoes", 6000, 30000, "EUR")]);
        }
    }

    /// <summary>A mix like marketplace traffic: mostly ordinary titles (many naming a brand), some replicas, some disguised.</summary>
    internal static ShipmentFacts Facts(int i)
    {
        string[] honest =
        [
            "Case compatible with iPhone 15, shockproof, clear", "Nike running shoes, original, with receipt", "Women's cotton summer dress, floral print, size M",
            "Stainless steel water bottle 750ml, vacuum insulated", "LED desk lamp with USB charging port and dimmer", "Chanel No 5 eau de parfum 100ml, sealed",
            "Genuine leather wallet for men, RFID blocking, brown", "Kids building blocks set, 500 pieces, compatible with major brands",
            "Zapatillas Adidas originales con factura", "Sac à main en cuir grainé, fabriqué en France", "Wireless earbuds with charging case, bluetooth 5.3",
        ];
        string[] replica =
        [
            "Luxury handbag GG monogram 1:1 mirror quality", "R0lex Submariner s.u.p.e.r c.o.p.y automatic", "Gucci réplique sac femme",
            "AAA grade Louis Vuitton wallet", "高仿 Chanel 包包 一比一", "Nike Air rep1ica sneakers", "gu cci belt super copy",
        ];
        var isReplica = i % 20 == 0;
        var title = isReplica ? replica[(i / 20) % replica.Length] : honest[i % honest.Length];
        var brand = isReplica ? "Gucci" : (i % 3 == 0 ? "Nike" : "");
        return new ShipmentFacts
        {
            ShipmentId = $"S{i}",
            SellerId = $"SEL-{i % 2000:D5}",
            DeclaredAt = Now,
            Listings = [new ListingFacts($"L{i}", title, brand, isReplica ? "handbags" : "shoes")],
            Goods = [new GoodsFacts(1, isReplica ? "bag" : title, brand, 1, isReplica ? 900 : 4500 + (i % 10_000), "EUR", $"L{i}")],
            SellerAccountCreatedAt = Now.AddDays(-(i % 700)),
            SellerStrikes = i % 97 == 0 ? 1 : 0,
            SplitShipments = i % 53 == 0 ? 3 : 0,
        };
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
