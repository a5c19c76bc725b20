using Gateway.Contracts.V1;
using Gateway.Server.Ingest;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Tests;

public sealed class IngestValidationTests
{
    private static readonly Timestamp When = Timestamp.FromDateTime(new DateTime(2026, 11, 10, 0, 0, 0, DateTimeKind.Utc));

    private static Shipment ValidShipment() => new()
    {
        ShipmentId = "SHP-1", TrackingNumber = "LX123456785CN", Mrn = "26FR1234567890ABCD", SellerId = "SEL-1",
        Consignor = new Party { Name = "Sender", Country = "CN" }, Consignee = new Party { Name = "Recipient", Country = "FR" },
        OriginCountry = "CN", DestinationCountry = "FR", CountriesOfRouting = { "BE" }, DeclaredAt = When, ShippedAt = When,
        Goods = { new GoodsItem { Description = "shoes", HsCode = "640411", Quantity = 1, GrossMassGrams = 900, IntrinsicValue = new Money { AmountMinor = 1200, Currency = "EUR" } } },
    };

    private static Seller ValidSeller() => new()
    {
        SellerId = "SEL-1", LegalName = "Acme Ltd", Country = "GB", AccountCreatedAt = When, PayoutAccountMasked = "GB** **** 1234",
    };

    [Fact]
    public void Valid_records_pass()
    {
        Assert.Null(IngestValidation.Validate(ValidShipment()));
        Assert.Null(IngestValidation.Validate(ValidSeller()));
        Assert.Null(IngestValidation.Validate(new Listing { ListingId = "L1", SellerId = "SEL-1", Title = "Socks", Url = "https://m.example/l/1" }));
        Assert.Null(IngestValidation.Validate(new Brand { BrandId = "B1", Name = "Nike", Aliases = { "Nikee" } }));
    }

    [Theory]
    [InlineData("fr", false)]
    [InlineData("FRA", false)]
    [InlineData("F1", false)]
    [InlineData("", false)]
    [InlineData("FR", true)]
    public void Countries_are_two_upper_case_letters(string country, bool valid)
    {
        var s = ValidShipment();
        s.DestinationCountry = country;
        var reason = IngestValidation.Validate(s);
        Assert.Equal(valid, reason is null);
        if (!valid)
        {
            Assert.StartsWith("destination_country: ", reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("64041", false)]
    [InlineData("64041100001", false)]
    [InlineData("6404.11", false)]
    [InlineData("640411", true)]
    [InlineData("6404110000", true)]
    public void Hs_codes_are_6_to_10_digits(string code, bool valid)
    {
        var s = ValidShipment();
        s.Goods[0].HsCode = code;
        Assert.Equal(valid, IngestValidation.Validate(s) is null);
    }

    [Fact]
    public void Negative_amounts_bad_currencies_missing_times_and_oversized_ids_are_each_reported()
    {
        var s = ValidShipment();
        s.ShipmentId = new string('x', 65);
        s.Goods[0].Quantity = -1;
        s.Goods[0].GrossMassGrams = -5;
        s.Goods[0].IntrinsicValue = new Money { AmountMinor = -1, Currency = "eur" };
        s.ShippedAt = null;
        s.Mrn = "NOT-AN-MRN";

        var reason = IngestValidation.Validate(s)!;

        foreach (var expected in new[]
        {
            "shipment_id: at most 64 characters", "goods[0].quantity: must not be negative", "goods[0].gross_mass_grams: must not be negative",
            "goods[0].intrinsic_value.amount_minor: must not be negative", "goods[0].intrinsic_value.currency: not an ISO 4217 code",
            "shipped_at: required", "mrn: not a Movement Reference Number",
        })
        {
            Assert.Contains(expected, reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_shipment_needs_goods_and_both_parties()
    {
        var s = ValidShipment();
        s.Goods.Clear();
        s.Consignee = null;
        var reason = IngestValidation.Validate(s)!;
        Assert.Contains("goods: at least one goods line is required", reason, StringComparison.Ordinal);
        Assert.Contains("consignee: required", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seller_needs_its_account_date_and_a_masked_payout_account()
    {
        var s = ValidSeller();
        s.AccountCreatedAt = null;
        s.PayoutAccountMasked = "FR7630006000011234567890189";
        var reason = IngestValidation.Validate(s)!;
        Assert.Contains("account_created_at: required", reason, StringComparison.Ordinal);
        Assert.Contains("payout_account_masked: must be masked", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_with_spaces_and_unknown_statuses_are_refused()
    {
        var s = ValidSeller();
        s.SellerId = "SEL 1";
        s.Status = (SellerStatus)42;
        var reason = IngestValidation.Validate(s)!;
        Assert.Contains("seller_id: must not contain spaces", reason, StringComparison.Ordinal);
        Assert.Contains("status: unknown value 42", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Brand_aliases_cannot_break_the_newline_separated_column_and_ranges_must_be_ordered_and_unique()
    {
        static ReferencePrice Range(string category, long min, long max, string currency = "EUR") => new()
        {
            Category = category, Min = new Money { AmountMinor = min, Currency = currency }, Max = new Money { AmountMinor = max, Currency = "EUR" },
        };
        var brand = new Brand
        {
            BrandId = "B1", Name = "Nike", Aliases = { "Ni\nke" },
            ReferencePrices = { Range("footwear", 100, 50), Range("footwear", 1, 2), Range("apparel", 1, 2, "USD") },
        };
        var reason = IngestValidation.Validate(brand)!;
        Assert.Contains("aliases[0]: must not contain a line break", reason, StringComparison.Ordinal);
        Assert.Contains("reference_prices[0].max: must not be below min", reason, StringComparison.Ordinal);
        Assert.Contains("reference_prices[1].category: duplicate category", reason, StringComparison.Ordinal);
        Assert.Contains("reference_prices[2].max: must be in the same currency as min", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Listing_urls_must_be_absolute_http()
    {
        var reason = IngestValidation.Validate(new Listing { ListingId = "L1", SellerId = "S1", Title = "t", Url = "javascript:alert(1)" });
        Assert.Equal("url: not an absolute http(s) URL", reason);
    }
}
