using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Auth;
using Gateway.Server.Data;
using Gateway.Server.Listings;
using Gateway.Server.Pki;
using Gateway.Server.Sellers;
using Gateway.Server.Shipments;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Server.Demo;

/// <summary>
/// What a first `gateway serve` creates so that a developer can call it at once: the demo agencies of
/// the dev PKI (French and German customs with different jurisdictions and data subsets, the
/// platform, an oversight body) and a handful of sellers, listings and shipments.
/// </summary>
internal sealed class DemoData(Database database, AgencyStore agencies, Brands.BrandWriter brands, SellerWriter sellers, ListingWriter listings, ShipmentWriter shipments)
{
    public static readonly string[] AgencyScopes =
        [Scopes.ShipmentsRead, Scopes.SellersRead, Scopes.SeizuresWrite, Scopes.SeizuresRead, Scopes.LeadsRead];

    public async Task RegisterDemoClientsAsync(string pkiDirectory, CancellationToken cancellationToken = default)
    {
        foreach (var agency in DemoAgencies(pkiDirectory))
        {
            if (await agencies.FindAsync(agency.Id, cancellationToken) is null)
            {
                await agencies.AddAsync(agency, cancellationToken);
            }
        }
    }

    public static IEnumerable<Agency> DemoAgencies(string pkiDirectory)
    {
        string Subject(string id) => DevPki.DemoClients.Single(c => c.Id == id).Subject;
        yield return new Agency("fr-customs", Agency.KindAgency, "Direction générale des douanes et droits indirects (demo)",
            Agency.StatusActive, ["FR"], AgencyScopes,
            new HashSet<DataSubset> { DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.SellerIdentity, DataSubset.Listings },
            Subject("fr-customs"), null, 60);
        yield return new Agency("de-customs", Agency.KindAgency, "Generalzolldirektion (demo)",
            Agency.StatusActive, ["DE"], AgencyScopes,
            new HashSet<DataSubset> { DataSubset.ShipmentCore, DataSubset.SellerIdentity },
            Subject("de-customs"), null, 60);
        yield return new Agency("platform", Agency.KindPlatform, "Marketplace platform (demo)",
            Agency.StatusActive, [], [Scopes.IngestWrite, Scopes.FeedRead, Scopes.LeadsWrite],
            new HashSet<DataSubset>(), Subject("platform"), null, 0);
        yield return new Agency("oversight", Agency.KindOversight, "Data protection officer (demo)",
            Agency.StatusActive, [], [Scopes.AuditRead],
            new HashSet<DataSubset>(), Subject("oversight"), null, 0);
    }

    /// <summary>A few records, enough to call every read RPC; `gateway seed` makes realistic volumes.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One brand with a reference price, so the risk engine has something to compare the demo's
        // 7 € "Gucci" bag with: the first scoring run then produces a lead for fr-customs.
        await using (var brandBatch = await brands.BeginBatchAsync(connection, transaction, cancellationToken))
        {
            await brandBatch.UpsertAsync(new Brand
            {
                BrandId = "BR-GUCCI", Name = "Gucci", Aliases = { "GG", "Guci", "Gucchi" },
                ReferencePrices =
                {
                    new ReferencePrice
                    {
                        Category = "handbags",
                        Min = new Money { AmountMinor = 90000, Currency = "EUR" },
                        Max = new Money { AmountMinor = 450000, Currency = "EUR" },
                    },
                },
            }, cancellationToken);
        }

        foreach (var seller in Sellers())
        {
            await sellers.UpsertAsync(connection, transaction, seller, cancellationToken);
        }

        foreach (var listing in Listings())
        {
            await listings.UpsertAsync(connection, transaction, listing, cancellationToken);
        }

        foreach (var shipment in Shipments())
        {
            await shipments.UpsertAsync(connection, transaction, shipment, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static readonly DateTime Epoch = new(2026, 11, 2, 8, 0, 0, DateTimeKind.Utc);

    public static IEnumerable<Seller> Sellers()
    {
        yield return new Seller
        {
            SellerId = "SEL-0001", LegalName = "Shenzhen Brightstar Trading Co., Ltd.", TradingName = "BrightStar Fashion",
            RegistrationNumber = "91440300MA5F000001", VatNumber = "", Eori = "CN440300123456", Country = "CN",
            Status = SellerStatus.Active, VerificationStatus = "VERIFIED",
            AccountCreatedAt = Timestamp.FromDateTime(Epoch.AddDays(-30)),
            AddressLines = { "Room 1203, Block B", "Huaqiang North Road" }, Postcode = "518031", City = "Shenzhen",
            Email = "sales@brightstar.example", Phone = "+86 755 0000 0001", PayoutAccountMasked = "CN** **** **** 4411",
        };
        yield return new Seller
        {
            SellerId = "SEL-0002", LegalName = "Maison Duval SARL", TradingName = "Maison Duval",
            RegistrationNumber = "RCS Lyon 812 345 678", VatNumber = "FR12812345678", Eori = "FR81234567800010", Country = "FR",
            Status = SellerStatus.Active, VerificationStatus = "VERIFIED",
            AccountCreatedAt = Timestamp.FromDateTime(Epoch.AddYears(-4)),
            AddressLines = { "14 rue de la République" }, Postcode = "69002", City = "Lyon",
            Email = "contact@maisonduval.example", Phone = "+33 4 00 00 00 02", PayoutAccountMasked = "FR76 **** **** **** 0021",
        };
    }

    public static IEnumerable<Listing> Listings()
    {
        yield return new Listing
        {
            ListingId = "LST-0001", SellerId = "SEL-0001", Title = "Luxury handbag GG monogram 1:1 mirror quality",
            Url = "https://marketplace.example/l/LST-0001", Brand = "Gucci", Category = "handbags",
            Price = new Money { AmountMinor = 4900, Currency = "EUR" }, CreatedAt = Timestamp.FromDateTime(Epoch.AddDays(-20)),
        };
        yield return new Listing
        {
            ListingId = "LST-0002", SellerId = "SEL-0002", Title = "Sac à main cuir grainé, fabriqué en France",
            Url = "https://marketplace.example/l/LST-0002", Brand = "Maison Duval", Category = "handbags",
            Price = new Money { AmountMinor = 18900, Currency = "EUR" }, CreatedAt = Timestamp.FromDateTime(Epoch.AddYears(-1)),
        };
    }

    public static IEnumerable<Shipment> Shipments()
    {
        // One parcel to each demo jurisdiction, one transiting Germany to Belgium, one inside France.
        yield return Parcel("SHP-DEMO-0001", "LX100000001CN", "26FR0000000000001A", "SEL-0001", "CN", "FR", [], "FR", "Marie Dupont", "75011", "Paris", "LST-0001", 700);
        yield return Parcel("SHP-DEMO-0002", "LX100000002CN", "26DE0000000000002B", "SEL-0001", "CN", "DE", [], "DE", "Jonas Weber", "10115", "Berlin", "LST-0001", 650);
        yield return Parcel("SHP-DEMO-0003", "LX100000003CN", "26BE0000000000003C", "SEL-0001", "CN", "BE", ["DE"], "BE", "Lotte Peeters", "2000", "Antwerpen", "LST-0001", 690);
        yield return Parcel("SHP-DEMO-0004", "6A10000000004", "", "SEL-0002", "FR", "FR", [], "FR", "Claire Martin", "33000", "Bordeaux", "LST-0002", 18900);
    }

    private static Shipment Parcel(
        string id, string tracking, string mrn, string sellerId, string origin, string destination, string[] routing,
        string consigneeCountry, string consignee, string postcode, string city, string listingId, long valueMinor)
    {
        var declared = Epoch.AddHours(7 * int.Parse(id[^4..], System.Globalization.CultureInfo.InvariantCulture));
        var shipment = new Shipment
        {
            ShipmentId = id, TrackingNumber = tracking, Mrn = mrn, PlatformOrderId = "ORD-" + id[^4..], SellerId = sellerId,
            Consignor = new Party { Name = sellerId == "SEL-0001" ? "BrightStar Fashion" : "Maison Duval", Country = origin, City = origin == "CN" ? "Shenzhen" : "Lyon" },
            Consignee = new Party
            {
                Name = consignee, AddressLines = { "1 rue de l'Exemple" }, Postcode = postcode, City = city, Country = consigneeCountry,
                Email = consignee.ToLowerInvariant().Replace(' ', '.') + "@mail.example", Phone = "+00 000 000 000",
            },
            OriginCountry = origin, DestinationCountry = destination, Carrier = origin == "CN" ? "China Post" : "La Poste",
            TransportMode = origin == "CN" ? "AIR" : "ROAD",
            DeclaredAt = Timestamp.FromDateTime(declared), ShippedAt = Timestamp.FromDateTime(declared.AddHours(-30)),
            Goods =
            {
                new GoodsItem
                {
                    Description = origin == "CN" ? "bag" : "leather handbag", HsCode = "420221", Quantity = 1, GrossMassGrams = 900,
                    IntrinsicValue = new Money { AmountMinor = valueMinor, Currency = "EUR" }, CountryOfOrigin = origin,
                    Brand = sellerId == "SEL-0001" ? "Gucci" : "Maison Duval", ListingId = listingId,
                },
            },
        };
        shipment.CountriesOfRouting.AddRange(routing);
        return shipment;
    }
}
