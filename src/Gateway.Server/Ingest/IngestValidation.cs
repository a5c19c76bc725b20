using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Server.Ingest;

/// <summary>
/// Per-record checks of the ingest streams. A record either passes whole or is rejected with every
/// problem found ("field: reason; field: reason"), so the platform can fix a feed in one round.
/// Limits are the column sizes of M0001/M0002: a record that passes always fits the schema, and a
/// storage error is left for genuinely unexpected faults.
/// </summary>
internal static class IngestValidation
{
    public const int MaxIdLength = 64;
    public const int MaxGoodsLines = 999;
    public const int MaxRoutingCountries = 20;

    public static string? Validate(Seller s)
    {
        var v = new Violations();
        v.Id("seller_id", s.SellerId);
        v.Text("legal_name", s.LegalName, 300, required: true);
        v.Text("trading_name", s.TradingName, 300);
        v.Text("registration_number", s.RegistrationNumber, 64);
        v.Text("vat_number", s.VatNumber, 32);
        v.Text("eori", s.Eori, 32);
        v.Country("country", s.Country, required: true);
        if (!System.Enum.IsDefined(s.Status))
        {
            v.Add("status", $"unknown value {(int)s.Status}");
        }

        v.Text("verification_status", s.VerificationStatus, 32);
        // Account age is a risk signal: a made-up "now" would make every old account look new.
        v.Time("account_created_at", s.AccountCreatedAt, required: true);
        v.Lines("address_lines", s.AddressLines, 1000);
        v.Text("postcode", s.Postcode, 32);
        v.Text("city", s.City, 100);
        v.Text("email", s.Email, 320);
        v.Text("phone", s.Phone, 64);
        v.Text("payout_account_masked", s.PayoutAccountMasked, 64);
        // Data minimisation: the gateway must never hold a full payout account, even by mistake.
        if (s.PayoutAccountMasked.Length > 0 && !s.PayoutAccountMasked.Contains('*', StringComparison.Ordinal))
        {
            v.Add("payout_account_masked", "must be masked (e.g. \"FR76 **** **** 1234\"); the gateway never stores a full account");
        }

        return v.Result;
    }

    public static string? Validate(Listing l)
    {
        var v = new Violations();
        v.Id("listing_id", l.ListingId);
        v.Id("seller_id", l.SellerId);
        v.Text("title", l.Title, 1000, required: true);
        v.Text("url", l.Url, 1000);
        if (l.Url.Length > 0 && !(Uri.TryCreate(l.Url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            v.Add("url", "not an absolute http(s) URL");
        }

        v.Text("brand", l.Brand, 200);
        v.Text("category", l.Category, 100);
        v.Money("price", l.Price, required: false);
        v.Time("created_at", l.CreatedAt, required: false);
        return v.Result;
    }

    public static string? Validate(Shipment s)
    {
        var v = new Violations();
        v.Id("shipment_id", s.ShipmentId);
        v.Text("tracking_number", s.TrackingNumber, 64, required: true);
        if (s.Mrn.Length > 0 && !IsMrn(s.Mrn))
        {
            v.Add("mrn", "not a Movement Reference Number (18 characters: 2 digits, 2-letter country, 14 upper-case letters or digits)");
        }

        v.Text("platform_order_id", s.PlatformOrderId, 64);
        v.Id("seller_id", s.SellerId);
        v.Party("consignor", s.Consignor);
        v.Party("consignee", s.Consignee);
        v.Country("origin_country", s.OriginCountry, required: true);
        v.Country("destination_country", s.DestinationCountry, required: true);
        if (s.CountriesOfRouting.Count > MaxRoutingCountries)
        {
            v.Add("countries_of_routing", $"at most {MaxRoutingCountries} countries");
        }

        for (var i = 0; i < s.CountriesOfRouting.Count; i++)
        {
            v.Country($"countries_of_routing[{i}]", s.CountriesOfRouting[i], required: true);
        }

        v.Text("carrier", s.Carrier, 100);
        v.Text("transport_mode", s.TransportMode, 16);
        v.Time("declared_at", s.DeclaredAt, required: true);
        v.Time("shipped_at", s.ShippedAt, required: true);
        if (s.Goods.Count == 0)
        {
            v.Add("goods", "at least one goods line is required");
        }
        else if (s.Goods.Count > MaxGoodsLines)
        {
            v.Add("goods", $"at most {MaxGoodsLines} lines");
        }

        for (var i = 0; i < Math.Min(s.Goods.Count, MaxGoodsLines); i++)
        {
            var g = s.Goods[i];
            var f = $"goods[{i}].";
            v.Text(f + "description", g.Description, 1000, required: true);
            if (!IsHsCode(g.HsCode))
            {
                v.Add(f + "hs_code", "must be 6 to 10 digits");
            }

            if (g.Quantity < 0)
            {
                v.Add(f + "quantity", "must not be negative");
            }

            if (g.GrossMassGrams < 0)
            {
                v.Add(f + "gross_mass_grams", "must not be negative");
            }

            v.Money(f + "intrinsic_value", g.IntrinsicValue, required: true);
            v.Country(f + "country_of_origin", g.CountryOfOrigin, required: false);
            v.Text(f + "brand", g.Brand, 200);
            v.Text(f + "listing_id", g.ListingId, MaxIdLength);
        }

        return v.Result;
    }

    public static string? Validate(Brand b)
    {
        var v = new Violations();
        v.Id("brand_id", b.BrandId);
        v.Text("name", b.Name, 200, required: true);
        for (var i = 0; i < b.Aliases.Count; i++)
        {
            v.Text($"aliases[{i}]", b.Aliases[i], 200, required: true);
            if (b.Aliases[i].AsSpan().IndexOfAny('\n', '\r') >= 0)
            {
                v.Add($"aliases[{i}]", "must not contain a line break");
            }
        }

        if (b.Aliases.Sum(a => a.Length + 1) > 4000)
        {
            v.Add("aliases", "at most 4000 characters in all");
        }

        var categories = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < b.ReferencePrices.Count; i++)
        {
            var p = b.ReferencePrices[i];
            var f = $"reference_prices[{i}].";
            v.Text(f + "category", p.Category, 100, required: true);
            if (p.Category.Length > 0 && !categories.Add(p.Category))
            {
                v.Add(f + "category", $"duplicate category \"{p.Category}\"");
            }

            v.Money(f + "min", p.Min, required: true);
            v.Money(f + "max", p.Max, required: true);
            if (p.Min is not null && p.Max is not null)
            {
                if (p.Min.Currency != p.Max.Currency)
                {
                    v.Add(f + "max", "must be in the same currency as min");
                }
                else if (p.Min.AmountMinor > p.Max.AmountMinor)
                {
                    v.Add(f + "max", "must not be below min");
                }
            }
        }

        return v.Result;
    }

    public static bool IsCountry(string value) => value.Length == 2 && char.IsAsciiLetterUpper(value[0]) && char.IsAsciiLetterUpper(value[1]);

    public static bool IsCurrency(string value) => value.Length == 3 && value.All(char.IsAsciiLetterUpper);

    public static bool IsHsCode(string value) => value.Length is >= 6 and <= 10 && value.All(char.IsAsciiDigit);

    /// <summary>EU MRN layout: year (2 digits), declaring country (2 letters), then 14 upper-case alphanumerics.</summary>
    public static bool IsMrn(string value) =>
        value.Length == 18 && char.IsAsciiDigit(value[0]) && char.IsAsciiDigit(value[1]) && IsCountry(value[2..4])
        && value[4..].All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c));

    private sealed class Violations
    {
        private readonly List<string> items = [];

        public string? Result => items.Count == 0 ? null : string.Join("; ", items);

        public void Add(string field, string reason) => items.Add($"{field}: {reason}");

        public void Id(string field, string value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Add(field, "required");
            }
            else if (value.Length > MaxIdLength)
            {
                Add(field, $"at most {MaxIdLength} characters");
            }
            else if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                Add(field, "must not contain spaces or control characters");
            }
        }

        public void Text(string field, string value, int maxLength, bool required = false)
        {
            if (required && string.IsNullOrWhiteSpace(value))
            {
                Add(field, "required");
            }
            else if (value.Length > maxLength)
            {
                Add(field, $"at most {maxLength} characters");
            }
            else if (value.Any(c => char.IsControl(c) && c is not '\t'))
            {
                Add(field, "must not contain control characters");
            }
        }

        public void Lines(string field, IEnumerable<string> lines, int maxLength)
        {
            var all = lines.ToList();
            if (all.Sum(l => l.Length + 1) > maxLength + 1)
            {
                Add(field, $"at most {maxLength} characters in all");
            }
            else if (all.Any(l => l.Any(char.IsControl)))
            {
                Add(field, "must not contain line breaks or control characters");
            }
        }

        public void Country(string field, string value, bool required)
        {
            if (value.Length == 0)
            {
                if (required)
                {
                    Add(field, "required");
                }
            }
            else if (!IsCountry(value))
            {
                Add(field, "not an ISO 3166-1 alpha-2 code (two upper-case letters)");
            }
        }

        public void Money(string field, Money? money, bool required)
        {
            if (money is null)
            {
                if (required)
                {
                    Add(field, "required");
                }

                return;
            }

            if (money.AmountMinor < 0)
            {
                Add(field + ".amount_minor", "must not be negative");
            }

            if (!IsCurrency(money.Currency))
            {
                Add(field + ".currency", "not an ISO 4217 code (three upper-case letters)");
            }
        }

        public void Time(string field, Timestamp? value, bool required)
        {
            if (value is null)
            {
                if (required)
                {
                    Add(field, "required");
                }
            }
            else if (value.Seconds is < -62135596800L or > 253402300799L || value.Nanos is < 0 or > 999_999_999)
            {
                Add(field, "not a valid timestamp");
            }
        }

        public void Party(string field, Party? party)
        {
            // ICS2 entry summary declarations name both parties.
            if (party is null)
            {
                Add(field, "required");
                return;
            }

            Text(field + ".name", party.Name, 300, required: true);
            Lines(field + ".address_lines", party.AddressLines, 1000);
            Text(field + ".postcode", party.Postcode, 32);
            Text(field + ".city", party.City, 100);
            Country(field + ".country", party.Country, required: false);
            Text(field + ".email", party.Email, 320);
            Text(field + ".phone", party.Phone, 64);
            Text(field + ".eori", party.Eori, 32);
        }
    }
}
