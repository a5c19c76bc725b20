using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Ingest;
using Gateway.Server.Seed;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

public sealed class SyntheticMarketplaceTests
{
    private static readonly SyntheticMarketplace Market = new(seed: 42, sellerCount: 3000);
    private static readonly List<Shipment> Parcels = [.. Market.Shipments(20_000)];

    [Fact]
    public void The_same_seed_gives_the_same_records_and_another_seed_different_ones()
    {
        var again = new SyntheticMarketplace(seed: 42, sellerCount: 300);
        var same = new SyntheticMarketplace(seed: 42, sellerCount: 300);
        var other = new SyntheticMarketplace(seed: 43, sellerCount: 300);

        Assert.Equal(same.Sellers.Select(s => s.Seller), again.Sellers.Select(s => s.Seller));
        Assert.Equal(same.Listings.Select(l => l.Listing), again.Listings.Select(l => l.Listing));
        Assert.Equal(same.Shipments(2000), again.Shipments(2000));
        Assert.Equal(same.Brands(), again.Brands());

        Assert.NotEqual(same.Sellers.Select(s => s.Seller), other.Sellers.Select(s => s.Seller));
        Assert.NotEqual(same.Listings.Select(l => l.Listing.Title), other.Listings.Select(l => l.Listing.Title));
        Assert.NotEqual(same.Shipments(2000), other.Shipments(2000));
    }

    [Fact]
    public void Every_generated_record_passes_ingest_validation_and_references_its_own_seller()
    {
        Assert.All(Market.Brands(), b => Assert.Null(IngestValidation.Validate(b)));
        Assert.All(Market.Sellers, s => Assert.Null(IngestValidation.Validate(s.Seller)));
        Assert.All(Market.Listings, l => Assert.Null(IngestValidation.Validate(l.Listing)));
        var listingSeller = Market.Listings.ToDictionary(l => l.Listing.ListingId, l => l.Listing.SellerId);
        foreach (var parcel in Parcels)
        {
            Assert.Null(IngestValidation.Validate(parcel));
            Assert.All(parcel.Goods, g => Assert.Equal(parcel.SellerId, listingSeller[g.ListingId]));
        }

        Assert.Equal(Parcels.Count, Parcels.Select(p => p.ShipmentId).Distinct().Count());
    }

    [Fact]
    public void Brands_have_aliases_and_reference_prices()
    {
        var brands = Market.Brands();
        Assert.InRange(brands.Count, 40, 60);
        Assert.All(brands, b => Assert.NotEmpty(b.Aliases));
        Assert.All(brands, b => Assert.NotEmpty(b.ReferencePrices));
        Assert.Contains(brands, b => b.Name == "Gucci" && b.Aliases.Contains("Guci"));
        Assert.Contains(brands, b => b.Name == "Louis Vuitton" && b.Aliases.Contains("Louis Vuiton"));
    }

    [Fact]
    public void Titles_mix_honest_and_replica_style_listings_in_the_advertised_proportions()
    {
        var bad = Market.Sellers.Count(s => s.BadActor) / (double)Market.Sellers.Count;
        Assert.InRange(bad, SyntheticMarketplace.BadActorShare - 0.02, SyntheticMarketplace.BadActorShare + 0.02);

        var badListings = Market.Listings.Where(l => l.BadActor).ToList();
        var honestListings = Market.Listings.Where(l => !l.BadActor).ToList();
        var replicaShare = badListings.Count(l => l.Kind == TitleKind.Replica) / (double)badListings.Count;
        var lookalikeShare = honestListings.Count(l => l.Kind == TitleKind.Lookalike) / (double)honestListings.Count;
        Assert.InRange(replicaShare, SyntheticMarketplace.ReplicaShareOfBadActorListings - 0.06, SyntheticMarketplace.ReplicaShareOfBadActorListings + 0.06);
        Assert.InRange(lookalikeShare, 0.005, SyntheticMarketplace.LookalikeShareOfHonestListings + 0.01);
        Assert.All(Enum.GetValues<TitleKind>(), kind => Assert.Contains(Market.Listings, l => l.Kind == kind));
        Assert.InRange(Market.Listings.Count(l => l.Honest) / (double)Market.Listings.Count, 0.85, 0.97);

        // Replica titles carry a marker; honest unbranded titles carry none, nor any brand name.
        var brandNames = Catalogue.Brands.Select(b => b.Name).ToList();
        Assert.All(Market.Listings.Where(l => l.Kind == TitleKind.Replica), l =>
            Assert.Contains(Catalogue.ReplicaMarkers, m => l.Listing.Title.Contains(m, StringComparison.Ordinal)));
        Assert.All(Market.Listings.Where(l => l.Kind == TitleKind.Generic), l =>
        {
            Assert.DoesNotContain(Catalogue.ReplicaMarkers, m => l.Listing.Title.Contains(m, StringComparison.Ordinal));
            Assert.DoesNotContain(brandNames, b => l.Listing.Title.Contains(b, StringComparison.OrdinalIgnoreCase));
        });
        foreach (var trick in new[] { "r3pl1ca", "r.e.p.l.i.c.a", "1:1", "AAA", "高仿", "复刻", "réplique", "imitación", "Replik", "Louis Vuiton", "Guci" })
        {
            Assert.Contains(Market.Listings, l => l.Listing.Title.Contains(trick, StringComparison.Ordinal));
        }

        Assert.Contains(Market.Listings, l => l.Kind == TitleKind.CompatibleWith && l.Listing.Title.Contains("compatible with iPhone", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_actors_under_declare_branded_goods_and_split_orders()
    {
        var reference = Catalogue.Brands.ToDictionary(b => b.Name, b => b.Prices.Min(p => p.Min));
        var underDeclared = Parcels.SelectMany(p => p.Goods).Count(g => g.Brand.Length > 0 && g.IntrinsicValue.AmountMinor * 10 < reference[g.Brand] * g.Quantity);
        Assert.InRange(underDeclared, 50, Parcels.Count / 5);

        var bad = Market.Sellers.Where(s => s.BadActor).Select(s => s.Seller.SellerId).ToHashSet();
        var bursts = Parcels
            .Where(p => bad.Contains(p.SellerId))
            .GroupBy(p => (p.SellerId, p.Consignee.Name, p.Consignee.Postcode))
            .Count(g => g.Count() >= 4
                && g.Max(p => p.DeclaredAt.ToDateTime()) - g.Min(p => p.DeclaredAt.ToDateTime()) < TimeSpan.FromDays(7)
                && g.All(p => p.Goods.Sum(x => x.IntrinsicValue.AmountMinor) < 15000));
        Assert.True(bursts >= 5, $"{bursts} split orders");

        Assert.True(Parcels.Select(p => p.DestinationCountry).Distinct().Count() >= 7);
        Assert.Contains(Parcels, p => p.CountriesOfRouting.Count > 0);
        Assert.Contains(Parcels, p => p.Mrn.Length == 0 && p.OriginCountry == "FR");
        Assert.True(Parcels.Select(p => p.OriginCountry).Distinct().Count() >= 10);
    }

    [Fact]
    public async Task The_seeder_writes_everything_with_increasing_sequences_and_a_rerun_changes_no_counts()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gateway-seed-{Guid.NewGuid():N}.db");
        try
        {
            var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
            Migrator.MigrateUp(database);
            var market = new SyntheticMarketplace(seed: 5, sellerCount: 50);
            var seeder = new Seeder(database, TimeProvider.System);
            var asOpened = Session(database);

            var counts = await seeder.RunAsync(market, 1200);
            // The seed's connection goes back to the pool (and is the next one handed out) with the
            // durability and cache any other connection has, not the bulk load's synchronous=NORMAL.
            Assert.Equal(asOpened, Session(database));
            Assert.Equal(2, asOpened.Synchronous); // FULL
            var first = Count(database);
            await seeder.RunAsync(market, 1200);
            var second = Count(database);

            Assert.Equal((counts.Brands, 50L, (long)counts.Listings, 1200L), (first.Brands, first.Sellers, first.Listings, first.Shipments));
            // The re-run sends identical records: nothing is rewritten, not even the sequence (decision 69).
            Assert.Equal(first, second);
            Assert.Equal(1200, first.MaxSeq);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }

        static (long Synchronous, long CacheSize) Session(Database database)
        {
            using var connection = database.Open();
            return (connection.ExecuteScalar<long>("PRAGMA synchronous"), connection.ExecuteScalar<long>("PRAGMA cache_size"));
        }

        static (long Brands, long Sellers, long Listings, long Shipments, long Goods, long Countries, long MaxSeq) Count(Database database)
        {
            using var c = new SqliteConnection(database.ConnectionString);
            c.Open();
            long Q(string sql)
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = sql;
                return (long)cmd.ExecuteScalar()!;
            }

            return (Q("SELECT COUNT(*) FROM brands"), Q("SELECT COUNT(*) FROM sellers"), Q("SELECT COUNT(*) FROM listings"), Q("SELECT COUNT(*) FROM shipments"),
                Q("SELECT COUNT(*) FROM shipment_goods"), Q("SELECT COUNT(*) FROM shipment_countries"), Q("SELECT MAX(ingest_seq) FROM shipments"));
        }
    }
}
