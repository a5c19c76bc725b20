using System.Globalization;
using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Server.Seed;

/// <summary>How a listing title was made: honest ones, and the replica-style ones a risk engine should catch.</summary>
internal enum TitleKind
{
    /// <summary>Ordinary unbranded goods ("running shoes, unbranded").</summary>
    Generic,
    /// <summary>Genuine branded goods at a genuine price.</summary>
    Genuine,
    /// <summary>Honest mention of a brand ("case compatible with iPhone").</summary>
    CompatibleWith,
    /// <summary>Riding on a brand without naming a copy ("Nike-style running socks"): not honest.</summary>
    Lookalike,
    /// <summary>Replica signals: misspelled brands, "1:1", "AAA", leetspeak, separators, other languages.</summary>
    Replica,
}

internal sealed record SyntheticSeller(Seller Seller, bool BadActor, double Activity);

internal sealed record SyntheticListing(Listing Listing, TitleKind Kind, BrandSpec? Brand, CategorySpec Category, bool BadActor)
{
    public bool Honest => Kind is TitleKind.Generic or TitleKind.Genuine or TitleKind.CompatibleWith;
}

/// <summary>
/// A deterministic synthetic marketplace for demos, load tests and the risk engine's tuning: the same
/// seed and sizes always give the same records (System.Random with a seed is stable across runs and
/// platforms; nothing reads the clock). Brands, sellers and listings are held in memory (tens of
/// thousands); shipments are streamed, so a million of them cost no memory.
/// </summary>
/// <remarks>
/// Realism choices: a minority of sellers (<see cref="BadActorShare"/>) are bad actors — young accounts,
/// often unverified, mostly established in CN/HK/TR — who list replica-style titles and under-declare
/// branded goods (a few euros for a "Rolex"), sometimes with a vague customs description or a
/// misdeclared HS code, and who split orders: bursts of low-value parcels to one consignee within days.
/// Honest sellers list ordinary goods, genuine branded goods at genuine prices, and products that merely
/// mention a brand. Parcels from Asia fly into EU hubs (Liège, Amsterdam, Leipzig, Budapest) or come by
/// rail through Poland; Turkish parcels come by road through the Balkans; EU sellers ship intra-EU
/// without a customs declaration (no MRN).
/// </remarks>
internal sealed class SyntheticMarketplace
{
    public const double BadActorShare = 0.06;
    public const double ReplicaShareOfBadActorListings = 0.70;
    public const double LookalikeShareOfBadActorListings = 0.10;
    public const double LookalikeShareOfHonestListings = 0.02;
    public const double BurstShareOfBadActorShipments = 0.15;

    /// <summary>The end of the synthetic period when none is given: fixed, so the data never depends on the day it was made.</summary>
    public static readonly DateTime DefaultEnd = new(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);

    private const int PeriodDays = 180;

    private static readonly (string, int)[] DestinationWeights = [.. Catalogue.Destinations.Select(d => (d.Country, d.Weight))];
    private static readonly (string, int)[] SellerCountryWeights = [.. Catalogue.SellerCountries.Select(c => (c.Country, c.Weight))];
    private static readonly HashSet<string> Eu = new(Catalogue.EuCountries, StringComparer.Ordinal);

    private readonly int seed;
    private readonly int sellerCount;
    private readonly DateTime end;
    private readonly Lazy<List<SyntheticSeller>> sellers;
    private readonly Lazy<List<SyntheticListing>> listings;

    public SyntheticMarketplace(int seed, int sellerCount, DateTime? end = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sellerCount, 1);
        this.seed = seed;
        this.sellerCount = sellerCount;
        this.end = end ?? DefaultEnd;
        sellers = new(GenerateSellers);
        listings = new(GenerateListings);
    }

    public IReadOnlyList<Brand> Brands() => [.. Catalogue.Brands.Select(ToBrand)];

    public IReadOnlyList<SyntheticSeller> Sellers => sellers.Value;

    public IReadOnlyList<SyntheticListing> Listings => listings.Value;

    /// <summary>A separate random stream per phase: changing how listings are made does not reshuffle sellers.</summary>
    private Random Stream(int phase) => new(unchecked((seed * 7919) + (phase * 104729)));

    private static Brand ToBrand(BrandSpec b)
    {
        var brand = new Brand { BrandId = b.Id, Name = b.Name, Aliases = { b.Aliases } };
        foreach (var (category, min, max) in b.Prices)
        {
            brand.ReferencePrices.Add(new ReferencePrice
            {
                Category = category, Min = new Money { AmountMinor = min, Currency = "EUR" }, Max = new Money { AmountMinor = max, Currency = "EUR" },
            });
        }

        return brand;
    }

    private List<SyntheticSeller> GenerateSellers()
    {
        var rng = Stream(1);
        var result = new List<SyntheticSeller>(sellerCount);
        for (var i = 1; i <= sellerCount; i++)
        {
            var bad = rng.NextDouble() < BadActorShare;
            var country = bad ? Weighted(rng, Catalogue.BadActorCountries) : Weighted(rng, SellerCountryWeights);
            var spec = Catalogue.SellerCountries.First(c => c.Country == country);
            var name = Pick(rng, Catalogue.CompanyWords) + Pick(rng, Catalogue.CompanyWords).ToLowerInvariant();
            var city = Pick(rng, spec.Cities);
            var eu = Eu.Contains(country);
            var status = rng.NextDouble() switch
            {
                var x when bad && x < 0.20 => SellerStatus.Suspended,
                var x when !bad && x < 0.02 => SellerStatus.Suspended,
                var x when !bad && x < 0.025 => SellerStatus.Excluded,
                _ => SellerStatus.Active,
            };
            var created = bad ? end.AddDays(-rng.Next(5, 120)) : end.AddDays(-rng.Next(60, 365 * 8));
            var seller = new Seller
            {
                SellerId = $"SEL-{i:D6}",
                LegalName = string.Format(CultureInfo.InvariantCulture, spec.LegalForm, name, city),
                TradingName = bad && rng.NextDouble() < 0.5 ? $"{Pick(rng, Catalogue.CompanyWords)} Luxury Outlet" : $"{name} Store",
                RegistrationNumber = country == "CN" ? $"91{rng.Next(110000, 659999)}MA{Alnum(rng, 8)}" : Digits(rng, 9),
                VatNumber = eu ? country + Digits(rng, country is "FR" or "IT" ? 11 : 9) : rng.NextDouble() < 0.6 ? "IM" + Digits(rng, 10) : "",
                Eori = eu || rng.NextDouble() < 0.3 ? country + Digits(rng, 12) : "",
                Country = country,
                Status = status,
                VerificationStatus = (bad ? rng.NextDouble() * 0.6 : 0.8 + (rng.NextDouble() * 0.2)) switch
                {
                    < 0.25 => "UNVERIFIED",
                    < 0.6 => "PENDING",
                    _ => "VERIFIED",
                },
                AccountCreatedAt = Timestamp.FromDateTime(created.AddSeconds(rng.Next(86400))),
                AddressLines = { $"{rng.Next(1, 300)} {Pick(rng, Catalogue.CompanyWords)} Road", $"Unit {rng.Next(1, 40)}" },
                Postcode = Digits(rng, country is "CN" or "VN" or "IN" ? 6 : 5),
                City = city,
                Email = $"sales@{name.ToLowerInvariant()}{i}.example",
                Phone = $"{spec.Phone} {Digits(rng, 3)} {Digits(rng, 4)} {Digits(rng, 4)}",
                PayoutAccountMasked = $"{country}** **** **** {Digits(rng, 4)}",
            };
            // Activity follows a long tail; bad actors push volume while their account lasts.
            var activity = Math.Pow(rng.NextDouble(), 3) * 20 + 0.2;
            result.Add(new SyntheticSeller(seller, bad, bad ? activity * 2.5 : activity));
        }

        return result;
    }

    private List<SyntheticListing> GenerateListings()
    {
        var rng = Stream(2);
        var result = new List<SyntheticListing>(sellerCount * 5);
        var n = 0;
        foreach (var s in Sellers)
        {
            var count = s.BadActor ? rng.Next(4, 16) : rng.Next(1, 9);
            for (var k = 0; k < count; k++)
            {
                result.Add(MakeListing(rng, s, ++n));
            }
        }

        return result;
    }

    private SyntheticListing MakeListing(Random rng, SyntheticSeller s, int n)
    {
        var roll = rng.NextDouble();
        var kind = s.BadActor
            ? roll < ReplicaShareOfBadActorListings ? TitleKind.Replica
                : roll < ReplicaShareOfBadActorListings + LookalikeShareOfBadActorListings ? TitleKind.Lookalike : TitleKind.Generic
            : roll < LookalikeShareOfHonestListings ? TitleKind.Lookalike
                : roll < 0.12 ? TitleKind.Genuine
                : roll < 0.20 ? TitleKind.CompatibleWith : TitleKind.Generic;

        BrandSpec? brand = null;
        CategorySpec category;
        if (kind == TitleKind.Generic)
        {
            category = Pick(rng, Catalogue.Categories);
        }
        else if (kind == TitleKind.CompatibleWith)
        {
            brand = Pick(rng, Catalogue.Brands.Where(b => b.Prices.Any(p => p.Category is "electronics" or "watches" or "footwear")).ToArray());
            category = Catalogue.Category("accessories");
        }
        else
        {
            brand = Pick(rng, Catalogue.Brands);
            category = Catalogue.Category(Pick(rng, brand.Prices).Category);
        }

        var noun = Pick(rng, category.Nouns);
        var colour = Pick(rng, Catalogue.Colours);
        string title;
        string listedBrand = "";
        long price;
        var reference = brand?.Prices.FirstOrDefault(p => p.Category == category.Name);
        switch (kind)
        {
            case TitleKind.Genuine:
                title = rng.Next(3) switch
                {
                    0 => $"{brand!.Name} {noun}, {colour} – authentic, invoice included",
                    1 => $"Original {brand!.Name} {noun} ({colour})",
                    _ => $"{brand!.Name} {noun} {colour}, new with tags",
                };
                listedBrand = brand.Name;
                price = Between(rng, reference!.Value.Min, reference.Value.Max);
                break;
            case TitleKind.CompatibleWith:
                var device = brand!.Name switch
                {
                    "Apple" => Pick(rng, ["iPhone 15", "iPhone 14 Pro", "AirPods Pro", "Apple Watch"]),
                    "Samsung" => Pick(rng, ["Galaxy S24", "Galaxy Watch 6", "Galaxy Buds"]),
                    _ => brand.Name,
                };
                title = rng.Next(3) switch
                {
                    0 => $"{noun} compatible with {device}, {colour}",
                    1 => $"Replacement {noun} for {device}",
                    _ => $"Protective {noun}, fits {device} (not {brand.Name}-made)",
                };
                price = Between(rng, category.MinPriceMinor, category.MaxPriceMinor);
                break;
            case TitleKind.Lookalike:
                title = rng.Next(3) switch
                {
                    0 => $"{brand!.Name}-style {noun}, {colour}",
                    1 => $"{noun} inspired by {brand!.Name}",
                    _ => $"{colour} {noun}, {brand!.Name} look",
                };
                price = Between(rng, category.MinPriceMinor, category.MaxPriceMinor);
                break;
            case TitleKind.Replica:
                var name = rng.NextDouble() < 0.55 ? Pick(rng, brand!.Aliases) : brand!.Name;
                var marker = Pick(rng, Catalogue.ReplicaMarkers);
                title = rng.Next(4) switch
                {
                    0 => $"{name} {noun} {marker}",
                    1 => $"{marker} {name} {noun} {colour}",
                    2 => $"{name} {noun} – {marker}, fast shipping",
                    _ => $"New {name} {noun} {colour} {marker} best price",
                };
                listedBrand = rng.NextDouble() switch { < 0.5 => brand.Name, < 0.8 => name, _ => "" };
                // A fraction of the genuine price: the price anomaly is the point.
                price = Math.Max(990, reference!.Value.Min * rng.Next(3, 15) / 100);
                break;
            default:
                title = rng.Next(4) switch
                {
                    0 => $"{Pick(rng, Catalogue.GenericAdjectives)} {noun}, {colour}, unbranded",
                    1 => $"{noun} {colour} – {Pick(rng, Catalogue.GenericAdjectives)}",
                    2 => $"{Capitalise(Pick(rng, Catalogue.GenericAdjectives))} {noun} for everyday use",
                    _ => $"{noun}, {colour}, no logo",
                };
                price = Between(rng, category.MinPriceMinor, category.MaxPriceMinor);
                break;
        }

        var id = $"LST-{n:D7}";
        var created = s.Seller.AccountCreatedAt.ToDateTime().AddHours(rng.Next(1, 24 * 30));
        var listing = new Listing
        {
            ListingId = id, SellerId = s.Seller.SellerId, Title = title, Url = $"https://marketplace.example/l/{id}",
            Brand = listedBrand, Category = category.Name, Price = new Money { AmountMinor = price, Currency = "EUR" },
            CreatedAt = Timestamp.FromDateTime(created < end ? created : end.AddHours(-1)),
        };
        return new SyntheticListing(listing, kind, brand, category, s.BadActor);
    }

    /// <summary>Shipments SHP-00000001… in ingest order, declared across the period in roughly time order.</summary>
    public IEnumerable<Shipment> Shipments(int count)
    {
        var rng = Stream(3);
        var byseller = Listings.GroupBy(l => l.Listing.SellerId).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var cumulative = new double[Sellers.Count];
        var total = 0.0;
        for (var i = 0; i < Sellers.Count; i++)
        {
            total += Sellers[i].Activity;
            cumulative[i] = total;
        }

        var start = end.AddDays(-PeriodDays);
        var burstLeft = 0;
        SyntheticSeller? burstSeller = null;
        Party? burstConsignee = null;
        var burstTime = start;
        for (var i = 1; i <= count; i++)
        {
            var at = start.AddSeconds((long)(PeriodDays * 86400.0 * i / count) + rng.Next(-6 * 3600, 6 * 3600));
            SyntheticSeller seller;
            Party? consignee = null;
            var splitting = false;
            if (burstLeft > 0)
            {
                burstLeft--;
                seller = burstSeller!;
                consignee = burstConsignee;
                burstTime = burstTime.AddMinutes(rng.Next(30, 12 * 60));
                at = burstTime;
                splitting = true;
            }
            else
            {
                var index = Array.BinarySearch(cumulative, rng.NextDouble() * total);
                seller = Sellers[index < 0 ? Math.Min(~index, Sellers.Count - 1) : index];
                if (seller.BadActor && rng.NextDouble() < BurstShareOfBadActorShipments / 8)
                {
                    // One order split into many small parcels to one consignee within a few days,
                    // each under the duty threshold.
                    burstLeft = rng.Next(4, 13);
                    burstSeller = seller;
                    burstConsignee = consignee = Consignee(rng, Weighted(rng, DestinationWeights));
                    burstTime = at;
                    splitting = true;
                }
            }

            yield return MakeShipment(rng, i, seller, byseller[seller.Seller.SellerId], consignee, at, splitting);
        }
    }

    private Shipment MakeShipment(Random rng, int n, SyntheticSeller s, SyntheticListing[] sellerListings, Party? consignee, DateTime declared, bool splitting)
    {
        var seller = s.Seller;
        var origin = seller.Country == "HK" && rng.NextDouble() < 0.4 ? "CN" : seller.Country;
        consignee ??= Consignee(rng, Weighted(rng, DestinationWeights));
        var destination = consignee.Country;
        var originInEu = Eu.Contains(origin);
        string mode;
        var routing = new List<string>();
        if (originInEu)
        {
            mode = "ROAD";
        }
        else if (origin is "CN" or "HK" or "VN" or "IN")
        {
            var m = rng.NextDouble();
            mode = m < 0.65 ? "AIR" : m < 0.82 ? "POST" : m < 0.94 ? "RAIL" : "SEA";
            if (mode is "AIR" or "POST" && rng.NextDouble() < 0.7)
            {
                routing.Add(Pick(rng, Catalogue.AirHubs));
            }
            else if (mode == "RAIL")
            {
                routing.Add("PL");
                if (destination != "DE" && rng.NextDouble() < 0.6)
                {
                    routing.Add("DE");
                }
            }
            else if (mode == "SEA")
            {
                routing.Add(Pick(rng, ["NL", "BE", "DE"]));
            }
        }
        else if (origin == "TR")
        {
            mode = rng.NextDouble() < 0.6 ? "ROAD" : "AIR";
            if (mode == "ROAD")
            {
                routing.AddRange(Pick(rng, new[] { new[] { "BG", "RO", "HU" }, ["BG", "RO", "HU", "AT"], ["GR", "IT"] }));
            }
        }
        else
        {
            mode = "AIR";
            if (rng.NextDouble() < 0.3)
            {
                routing.Add(Pick(rng, ["IE", "NL", "DE"]));
            }
        }

        routing.RemoveAll(c => c == destination || c == origin);
        var carrier = Carrier(rng, origin, mode);
        var entry = routing.FirstOrDefault(c => Eu.Contains(c)) ?? destination;
        var shipment = new Shipment
        {
            ShipmentId = $"SHP-{n:D8}",
            TrackingNumber = Tracking(rng, carrier, origin),
            // ICS2 / import declaration lodged in the first EU country of entry; none within the EU.
            Mrn = originInEu || rng.NextDouble() < 0.08 ? "" : Mrn(rng, declared, entry),
            PlatformOrderId = $"ORD-{n:D9}",
            SellerId = seller.SellerId,
            Consignor = new Party
            {
                // Bad actors often ship under another sender's name.
                Name = s.BadActor && rng.NextDouble() < 0.3 ? $"{Pick(rng, Catalogue.CompanyWords)} Logistics" : seller.TradingName,
                AddressLines = { seller.AddressLines }, Postcode = seller.Postcode, City = seller.City, Country = origin,
                Email = seller.Email, Phone = seller.Phone, Eori = seller.Eori,
            },
            Consignee = consignee,
            OriginCountry = origin,
            DestinationCountry = destination,
            CountriesOfRouting = { routing },
            Carrier = carrier,
            TransportMode = mode,
            DeclaredAt = Timestamp.FromDateTime(declared),
            ShippedAt = Timestamp.FromDateTime(declared.AddHours(-rng.Next(6, 96))),
        };

        var lines = splitting ? 1 : rng.NextDouble() < 0.8 ? 1 : rng.Next(2, 4);
        for (var k = 0; k < lines; k++)
        {
            shipment.Goods.Add(Goods(rng, Pick(rng, sellerListings), origin, splitting));
        }

        return shipment;
    }

    private static GoodsItem Goods(Random rng, SyntheticListing l, string origin, bool splitting)
    {
        var quantity = splitting ? 1 : rng.NextDouble() < 0.85 ? 1 : rng.Next(2, 6);
        var category = l.Category;
        var replica = l.Kind is TitleKind.Replica or TitleKind.Lookalike;
        var unit = l.Listing.Price.AmountMinor;
        long value = unit * quantity;
        if (replica && l.BadActor)
        {
            // Under-declared: a token value, usually below the EUR 150 threshold whatever the brand.
            value = splitting || rng.NextDouble() < 0.6 ? rng.Next(300, 2200) : value * rng.Next(30, 80) / 100;
        }
        else if (l.BadActor && rng.NextDouble() < 0.3)
        {
            value = value * rng.Next(20, 60) / 100;
        }

        var hs = Pick(rng, category.HsCodes);
        if (l.BadActor && rng.NextDouble() < 0.15)
        {
            hs = Pick(rng, ["392690", "630790", "950300", "4901990000"]); // misdeclared as plastics, textiles, toys, printed matter
        }

        return new GoodsItem
        {
            // Bad actors describe goods vaguely ("gift", "sample"); the platform's own lines are specific.
            Description = l.BadActor && rng.NextDouble() < 0.4 ? Pick(rng, ["gift", "sample", "accessories", "clothes", category.CustomsWord]) : Pick(rng, category.Nouns),
            HsCode = hs,
            Quantity = quantity,
            GrossMassGrams = rng.Next(category.MinGrams, category.MaxGrams + 1) * (long)quantity,
            IntrinsicValue = new Money { AmountMinor = Math.Max(100, value), Currency = "EUR" },
            CountryOfOrigin = origin,
            Brand = l.Kind == TitleKind.Genuine || (l.Kind == TitleKind.Replica && rng.NextDouble() < 0.5) ? l.Brand!.Name : "",
            ListingId = l.Listing.ListingId,
        };
    }

    private static Party Consignee(Random rng, string country)
    {
        var d = Catalogue.Destinations.First(x => x.Country == country);
        var company = rng.NextDouble() < 0.05;
        var first = Pick(rng, d.First);
        var last = Pick(rng, d.Last);
        return new Party
        {
            Name = company ? $"{last} {Pick(rng, ["Handel", "Import", "Distribution", "Trading"])}" : $"{first} {last}",
            AddressLines = { $"{rng.Next(1, 180)} {Pick(rng, d.Streets)}" },
            Postcode = Digits(rng, d.PostcodeDigits, leadingNonZero: true),
            City = Pick(rng, d.Cities),
            Country = country,
            Email = rng.NextDouble() < 0.7 ? $"{Ascii(first)}.{Ascii(last)}{rng.Next(1, 99)}@mail.example" : "",
            Phone = rng.NextDouble() < 0.8 ? $"+{rng.Next(30, 49)} {Digits(rng, 9)}" : "",
            Eori = company ? country + Digits(rng, 12) : "",
        };
    }

    private static string Carrier(Random rng, string origin, string mode) => origin switch
    {
        "CN" => mode switch
        {
            "POST" => "China Post",
            "RAIL" => "China Railway Express",
            "SEA" => "COSCO Shipping",
            _ => Pick(rng, ["Cainiao", "YunExpress", "4PX", "SF Express", "DHL Express", "China Post"]),
        },
        "HK" => mode == "POST" ? "Hongkong Post" : Pick(rng, ["DHL Express", "FedEx", "Hongkong Post"]),
        "TR" => mode == "ROAD" ? Pick(rng, ["Aras Kargo", "PTT Kargo"]) : Pick(rng, ["PTT", "DHL Express"]),
        "VN" => Pick(rng, ["Vietnam Post", "DHL Express"]),
        "IN" => Pick(rng, ["India Post", "FedEx"]),
        "US" => Pick(rng, ["USPS", "UPS", "FedEx"]),
        "GB" => Pick(rng, ["Royal Mail", "DPD", "Evri"]),
        "FR" => Pick(rng, ["Colissimo", "Chronopost", "DPD"]),
        "DE" => Pick(rng, ["DHL Paket", "Hermes", "GLS"]),
        "IT" => Pick(rng, ["Poste Italiane", "BRT"]),
        "ES" => Pick(rng, ["Correos", "SEUR"]),
        "PL" => Pick(rng, ["Poczta Polska", "InPost"]),
        "NL" => Pick(rng, ["PostNL", "DHL Parcel"]),
        _ => "DHL Express",
    };

    private static string Tracking(Random rng, string carrier, string origin) => carrier switch
    {
        "DHL Express" => Digits(rng, 10),
        "UPS" => "1Z" + Alnum(rng, 16),
        "FedEx" => Digits(rng, 12),
        "Cainiao" => "LP00" + Digits(rng, 12),
        "YunExpress" => "YT" + Digits(rng, 16),
        "4PX" => "4PX" + Digits(rng, 13) + "CN",
        "SF Express" => "SF" + Digits(rng, 13),
        "China Railway Express" or "COSCO Shipping" => "CR" + Digits(rng, 12),
        _ => S10(rng, origin),
    };

    /// <summary>UPU S10 postal item identifier: service indicator, 8 digits, check digit, country.</summary>
    private static string S10(Random rng, string country)
    {
        var digits = Digits(rng, 8);
        int[] weights = [8, 6, 4, 2, 3, 5, 9, 7];
        var sum = 0;
        for (var k = 0; k < 8; k++)
        {
            sum += (digits[k] - '0') * weights[k];
        }

        var check = 11 - (sum % 11);
        check = check == 10 ? 0 : check == 11 ? 5 : check;
        return $"{Pick(rng, ["LX", "RB", "UA", "CP", "EA", "LY"])}{digits}{check}{country}";
    }

    /// <summary>EU Movement Reference Number: year, country of lodging, 12 characters, procedure letter, check character.</summary>
    private static string Mrn(Random rng, DateTime declared, string country) =>
        $"{declared.Year % 100:D2}{country}{Alnum(rng, 12)}{Pick(rng, ["A", "H", "F"])}{rng.Next(10)}";

    private static string Ascii(string name) =>
        new([.. name.Normalize(System.Text.NormalizationForm.FormD).Where(char.IsAsciiLetter).Select(char.ToLowerInvariant)]);

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>A price between min and max, ending in .99 as shop prices do.</summary>
    private static long Between(Random rng, long min, long max) =>
        Math.Clamp(((min + (long)(rng.NextDouble() * (max - min))) / 100 * 100) + 99, min, max);

    private static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private static string Weighted(Random rng, (string Value, int Weight)[] items)
    {
        var roll = rng.Next(items.Sum(i => i.Weight));
        foreach (var (value, weight) in items)
        {
            if ((roll -= weight) < 0)
            {
                return value;
            }
        }

        return items[^1].Value;
    }

    private static string Digits(Random rng, int count, bool leadingNonZero = false) =>
        string.Create(count, (rng, leadingNonZero), static (span, state) =>
        {
            for (var k = 0; k < span.Length; k++)
            {
                span[k] = (char)('0' + (k == 0 && state.leadingNonZero ? state.rng.Next(1, 10) : state.rng.Next(10)));
            }
        });

    private static string Alnum(Random rng, int count) =>
        string.Create(count, rng, static (span, r) =>
        {
            const string chars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
            for (var k = 0; k < span.Length; k++)
            {
                span[k] = chars[r.Next(chars.Length)];
            }
        });
}
