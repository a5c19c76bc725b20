using System.Text;
using Gateway.Server.Risk;

namespace Gateway.Tests;

public sealed class RiskEngineTests
{
    private static readonly DateTime Now = new(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc);

    internal static readonly BrandCatalog Catalog = new(
    [
        new Brand("gucci", "Gucci", ["GG"], [new BrandPrice("handbags", 90000, 400000, "EUR"), new BrandPrice("belts", 30000, 80000, "EUR")]),
        new Brand("apple", "Apple", ["iPhone", "AirPods"], [new BrandPrice("phones", 60000, 200000, "EUR")]),
        new Brand("nike", "Nike", ["Air Jordan"], [new BrandPrice("shoes", 6000, 25000, "EUR")]),
        new Brand("chanel", "Chanel", [], [new BrandPrice("perfume", 8000, 30000, "EUR")]),
        new Brand("rolex", "Rolex", [], [new BrandPrice("watches", 500000, 5000000, "EUR")]),
        new Brand("lv", "Louis Vuitton", ["LV"], [new BrandPrice("handbags", 100000, 500000, "EUR")]),
        new Brand("adidas", "Adidas", [], [new BrandPrice("shoes", 5000, 20000, "EUR")]),
        new Brand("cartier", "Cartier", [], [new BrandPrice("watches", 300000, 3000000, "EUR")]),
        new Brand("coach", "Coach", [], [new BrandPrice("handbags", 20000, 60000, "EUR")]),
        new Brand("dior", "Dior", [], [new BrandPrice("perfume", 7000, 25000, "EUR")]),
    ]);

    private static readonly RiskEngine Engine = new(new RiskOptions(), Catalog);

    // --- Obfuscation classes × vocabulary families -------------------------------------------------

    /// <summary>One term per vocabulary family (language), with the evasions that apply to its script.</summary>
    public static TheoryData<string, string, string> Evasions => BuildEvasions();

    private static TheoryData<string, string, string> BuildEvasions()
    {
        var data = new TheoryData<string, string, string>();
        string[] latinTerms = ["replica", "réplique", "falsificación", "fälschung", "counterfeit", "contrefaçon"];
        foreach (var term in latinTerms)
        {
            foreach (var (name, evade) in LatinEvasions)
            {
                data.Add(term, name, evade(term));
            }
        }

        foreach (var term in new[] { "高仿", "复刻", "仿品" })
        {
            data.Add(term, "plain", term);
            data.Add(term, "zero-width", ZeroWidth(term));
            data.Add(term, "separators", string.Join(" ", term.ToCharArray()));
            data.Add(term, "repeated", string.Concat(term.Select(c => new string(c, 2))));
            data.Add(term, "glued to Latin", "gucci" + term + "包");
        }

        return data;
    }

    private static readonly (string Name, Func<string, string> Evade)[] LatinEvasions =
    [
        ("plain", t => t),
        ("upper case", t => t.ToUpperInvariant()),
        ("mixed case", t => string.Concat(t.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c))),
        ("accents stripped", StripAccents),
        ("accents added", t => t.Replace('e', 'ë').Replace('i', 'í').Replace('a', 'à').Replace('o', 'ô')),
        ("full-width (NFKC)", t => string.Concat(StripAccents(t).Select(c => c is >= '!' and <= '~' ? (char)(c + 0xFEE0) : c))),
        ("mathematical bold (NFKC)", t => string.Concat(StripAccents(t).Select(c => c is >= 'a' and <= 'z' ? char.ConvertFromUtf32(0x1D41A + (c - 'a')) : c.ToString()))),
        ("Cyrillic/Greek homoglyphs", t => t.Replace('a', 'а').Replace('e', 'е').Replace('o', 'ο').Replace('p', 'р').Replace('c', 'с').Replace('i', 'і').Replace('k', 'κ')),
        ("leetspeak", t => StripAccents(t).Replace('a', '4').Replace('e', '3').Replace('i', '1').Replace('o', '0').Replace('s', '$').Replace('t', '7')),
        ("zero-width inside", ZeroWidth),
        ("soft hyphens inside", t => string.Join("\u00AD", t.ToCharArray())),
        ("dots between letters", t => string.Join(".", t.ToCharArray())),
        ("hyphens between letters", t => string.Join("-", t.ToCharArray())),
        ("spaces between letters", t => string.Join(" ", t.ToCharArray())),
        ("split after two letters", t => t[..2] + " " + t[2..]),
        ("repeated letters", t => string.Concat(t.Select(c => "aeiou".Contains(c) ? new string(c, 4) : c.ToString()))),
        ("everything at once", t => ZeroWidth(string.Join(".", StripAccents(t).ToUpperInvariant().Replace('E', '3').Replace('A', 'А').ToCharArray()))),
    ];

    private static string ZeroWidth(string t) => string.Concat(t.Select((c, i) => i == 0 ? c.ToString() : (i % 3) switch
    {
        0 => "\u200B" + c,
        1 => "\u200D" + c,
        _ => "\uFEFF" + c,
    }));

    private static string StripAccents(string t) =>
        string.Concat(t.Normalize(NormalizationForm.FormD).Where(c => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark));

    [Theory]
    [MemberData(nameof(Evasions))]
    public void Replica_vocabulary_is_caught_through_each_evasion(string term, string evasion, string disguised)
    {
        var findings = Engine.Inspect($"Luxury shoulder bag {disguised} new season");
        Assert.True(findings.ReplicaTerms.Count > 0, $"'{term}' disguised by {evasion} as '{disguised}' was not caught");
    }

    [Theory]
    [MemberData(nameof(BrandEvasions))]
    public void Brand_names_are_caught_through_each_evasion(string evasion, string disguised)
    {
        var findings = Engine.Inspect($"Shoulder bag {disguised} monogram canvas");
        Assert.True(findings.Brands.Contains("Gucci"), $"'Gucci' disguised by {evasion} as '{disguised}' was not found");
    }

    public static TheoryData<string, string> BrandEvasions => BuildBrandEvasions();

    private static TheoryData<string, string> BuildBrandEvasions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, evade) in LatinEvasions.Where(e => e.Name != "split after two letters"))
        {
            data.Add(name, evade("gucci"));
        }

        data.Add("split word", "gu cci");
        data.Add("repeated letters", "guuuccciii");
        return data;
    }

    [Theory]
    [InlineData("1:1 mirror quality", "1:1")]
    [InlineData("Ｇｕｃｃｉ bag １：１ quality", "1:1")]
    [InlineData("AAA+ grade replica", "replica")]
    [InlineData("Grade AAA bag", "grade aaa")]
    [InlineData("super-copy watch", "super copy")]
    [InlineData("supercopy watch", "supercopy")]
    [InlineData("SUPER COPY watch", "super copy")]
    [InlineData("mirror-quality", "mirror quality")]
    [InlineData("m.i.r.r.o.r q.u.a.l.i.t.y", "mirror quality")]
    [InlineData("qualité miroir garantie", "qualité miroir")]
    [InlineData("Spiegelqualität Tasche", "spiegelqualität")]
    [InlineData("calidad espejo", "calidad espejo")]
    [InlineData("knock-off sneakers", "knock off")]
    [InlineData("реплика сумка", "реплика")]
    [InlineData("超级高仿包包", "高仿")]
    [InlineData("一比一 复刻", "一比一")]
    public void Phrases_numbers_and_scripts(string text, string expected)
    {
        Assert.Contains(expected, Engine.Inspect(text).ReplicaTerms);
    }

    [Theory]
    [InlineData("Gucci copy bag", "copy")]
    [InlineData("LV imitation wallet", "imitation")]
    [InlineData("Rolex AAA automatic", "aaa")]
    [InlineData("Nike dupe sneakers", "dupe")]
    public void Weak_terms_count_next_to_a_brand(string text, string expected)
    {
        Assert.Contains(expected, Engine.Inspect(text).ReplicaTerms);
    }

    [Theory]
    [InlineData("copy of the original manual")]
    [InlineData("AAA")]
    [InlineData("imitation pearls necklace")]
    [InlineData("fakir bed of nails")]              // 'fake' inside a word
    [InlineData("photocopy paper")]                  // 'copy' inside a word
    [InlineData("copyright notice printed inside")]
    [InlineData("AAAA shipping service")]
    public void Weak_terms_alone_and_terms_inside_words_do_not_count(string text)
    {
        Assert.Empty(Engine.Inspect(text).ReplicaTerms);
    }

    /// <summary>Ordinary listings, several naming a brand, must raise no replica reason.</summary>
    public static readonly TheoryData<string> HonestTitles =
    [
        "Case compatible with iPhone 15",
        "Nike running shoes, original, with receipt",
        "Genuine Gucci leather belt, bought in the Milan boutique",
        "Chanel No 5 eau de parfum 100ml",
        "Rolex Submariner 2019 full set, box and papers",
        "Faux fur coat, women, size M",
        "Imitation leather notebook cover",
        "AAA batteries, pack of 12",
        "Copy paper A4, 500 sheets",
        "Photocopy of the manual included",
        "Mirror for the bathroom, high quality glass",
        "Sac à main en cuir grainé, fabriqué en France",
        "Zapatillas Adidas originales con factura",
        "Original Louis Vuitton Speedy 30 mit Echtheitszertifikat",
        "Apple Watch replacement strap, silicone",
        "Tommy Hilfiger shirt, copy of receipt included",
        "Car tier list poster, A2",
        "Coach bag in brown leather, authenticity card",
        "Dior Sauvage EDT 100 ml, sealed",
        "AirPods Pro 2 with MagSafe case, sealed",
        "Fake plants for home decoration, set of 3",
        "Échantillon de parfum Chanel, 2 ml",
        "Kunstleder Geldbörse, schwarz",
        "正品 Gucci 手提包 带发票",
        "Air Jordan 1 Retro High OG, size 44, StockX verified",
        "Vintage Levi's 501 jeans, W32 L32",
    ];

    [Theory]
    [MemberData(nameof(HonestTitles))]
    public void Honest_titles_raise_no_replica_reason(string title)
    {
        var facts = new ShipmentFacts
        {
            ShipmentId = "S1",
            SellerId = "SEL",
            DeclaredAt = Now,
            Listings = [new ListingFacts("L1", title, "", "")],
            Goods = [new GoodsFacts(1, title, "", 1, 20000, "EUR", "L1")],
        };
        var assessment = Engine.Score(facts, Now);
        Assert.DoesNotContain(assessment.Reasons, r => r.Code is RiskRules.ReplicaTerm or RiskRules.BrandWithReplicaTerm);
    }

    // --- Rules, reasons and weights ---------------------------------------------------------------------

    private static ShipmentFacts Counterfeit(long valueMinor = 700) => new()
    {
        ShipmentId = "SHP-1",
        SellerId = "SEL-1",
        DeclaredAt = Now,
        Listings = [new ListingFacts("LST-1", "Luxury handbag GG monogram 1:1 mirror quality", "Gucci", "handbags")],
        Goods = [new GoodsFacts(1, "bag", "Gucci", 1, valueMinor, "EUR", "LST-1")],
        SellerAccountCreatedAt = Now.AddDays(-10),
    };

    [Fact]
    public void A_replica_listing_fires_the_expected_rules_and_reasons_explain_every_point()
    {
        var assessment = Engine.Score(Counterfeit(), Now);
        var codes = assessment.Reasons.Select(r => r.Code).ToList();
        Assert.Equal([RiskRules.ReplicaTerm, RiskRules.BrandWithReplicaTerm, RiskRules.LowDeclaredValue, RiskRules.VagueDescription, RiskRules.NewSeller], codes);
        Assert.Equal(100, assessment.Score); // 40 + 25 + 20 + 10 + 10, capped: the last reason carries the 5 points it added
        Assert.Equal(assessment.Score, assessment.Reasons.Sum(r => r.Weight));
        Assert.Contains("'1:1' in the title of listing LST-1", assessment.Reasons[0].Detail, StringComparison.Ordinal);
        Assert.Contains("'mirror quality'", assessment.Reasons[0].Detail, StringComparison.Ordinal);
        Assert.Contains("Gucci", assessment.Reasons[1].Detail, StringComparison.Ordinal);
        Assert.Contains("7.00 EUR per unit", assessment.Reasons[2].Detail, StringComparison.Ordinal);
        Assert.Contains("'bag'", assessment.Reasons[3].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_score_is_capped_at_100_and_the_reasons_still_sum_to_it()
    {
        var facts = new ShipmentFacts
        {
            ShipmentId = "SHP-2",
            SellerId = "SEL-1",
            DeclaredAt = Now,
            Listings = [new ListingFacts("LST-1", "Gucci replica", "Gucci", "handbags")],
            Goods = [new GoodsFacts(1, "gift", "Gucci", 1, 500, "EUR", "LST-1")],
            SellerAccountCreatedAt = Now.AddDays(-1),
            SellerStrikes = 2,
            SellerSeizures = 3,
            SplitShipments = 5,
            ConsigneePriorSeizures = 1,
        };
        var assessment = Engine.Score(facts, Now);
        Assert.Equal(100, assessment.Score);
        Assert.Equal(100, assessment.Reasons.Sum(r => r.Weight));
        Assert.Equal(9, assessment.Reasons.Count);
        Assert.Contains(assessment.Reasons, r => r.Detail.Contains("capped", StringComparison.Ordinal));
    }

    [Fact]
    public void Weights_and_enabled_flags_come_from_configuration()
    {
        var options = new RiskOptions();
        options.Rules["REPLICA_TERM"] = new RuleOptions { Weight = 33 };
        options.Rules["NEW_SELLER"] = new RuleOptions { Enabled = false };
        options.Rules["VAGUE_DESCRIPTION"] = new RuleOptions { Weight = 7 };
        var engine = new RiskEngine(options, Catalog);
        var assessment = engine.Score(Counterfeit(), Now);
        Assert.Equal(33, assessment.Reasons.Single(r => r.Code == RiskRules.ReplicaTerm).Weight);
        Assert.Equal(7, assessment.Reasons.Single(r => r.Code == RiskRules.VagueDescription).Weight);
        Assert.DoesNotContain(assessment.Reasons, r => r.Code == RiskRules.NewSeller);
        Assert.Equal(33 + 25 + 20 + 7, assessment.Score);
    }

    [Fact]
    public void Configured_vocabulary_replaces_the_default()
    {
        var options = new RiskOptions { ReplicaTerms = ["bootleg"] };
        var engine = new RiskEngine(options, Catalog);
        Assert.Equal(["bootleg"], engine.Inspect("B00TLEG tee").ReplicaTerms);
        Assert.Empty(engine.Inspect("replica tee").ReplicaTerms);
    }

    [Fact]
    public void Declared_value_at_or_above_a_fifth_of_the_reference_minimum_is_not_low()
    {
        Assert.DoesNotContain(Engine.Score(Counterfeit(valueMinor: 18000), Now).Reasons, r => r.Code == RiskRules.LowDeclaredValue);
        Assert.Contains(Engine.Score(Counterfeit(valueMinor: 17999), Now).Reasons, r => r.Code == RiskRules.LowDeclaredValue);
    }

    [Fact]
    public void Low_value_uses_the_brand_named_in_the_title_when_none_is_declared()
    {
        var facts = new ShipmentFacts
        {
            ShipmentId = "S",
            SellerId = "SEL",
            DeclaredAt = Now,
            Listings = [new ListingFacts("L", "Authentic Rolex Daytona", "", "watches")],
            Goods = [new GoodsFacts(1, "wrist watch", "", 2, 10000, "EUR", "L")],
        };
        var reason = Assert.Single(Engine.Score(facts, Now).Reasons);
        Assert.Equal(RiskRules.LowDeclaredValue, reason.Code);
        Assert.Contains("Rolex watches declared at 50.00 EUR per unit", reason.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Seller_consignee_and_splitting_rules_fire_on_their_facts_only()
    {
        var clean = new ShipmentFacts
        {
            ShipmentId = "S",
            SellerId = "SEL",
            DeclaredAt = Now,
            Goods = [new GoodsFacts(1, "cotton t-shirt, printed", "", 1, 1500, "EUR", "")],
            SellerAccountCreatedAt = Now.AddDays(-400),
            SplitShipments = 2,
        };
        Assert.Equal(0, Engine.Score(clean, Now).Score);

        var risky = new ShipmentFacts
        {
            ShipmentId = "S",
            SellerId = "SEL",
            DeclaredAt = Now,
            Goods = clean.Goods,
            SellerAccountCreatedAt = Now.AddDays(-5),
            SellerStrikes = 1,
            SellerSeizures = 2,
            SplitShipments = 3,
            ConsigneePriorSeizures = 1,
        };
        var assessment = Engine.Score(risky, Now);
        Assert.Equal(
            [RiskRules.SellerStrikes, RiskRules.SellerSeizureHistory, RiskRules.NewSeller, RiskRules.Splitting, RiskRules.ConsigneePriorSeizure],
            assessment.Reasons.Select(r => r.Code));
        Assert.Equal(25 + 15 + 10 + 15 + 20, assessment.Score);
    }

    [Theory]
    [InlineData("gift", true)]
    [InlineData("Parts", true)]
    [InlineData("accessories", true)]
    [InlineData("2 bags", true)]
    [InlineData("Clothes", true)]
    [InlineData("", true)]
    [InlineData("cadeau", true)]
    [InlineData("women's leather handbag", false)]
    [InlineData("spare parts for Bosch dishwasher model SMS", false)]
    [InlineData("gift box with 3 scented candles", false)]
    public void Vague_descriptions(string description, bool vague)
    {
        var facts = new ShipmentFacts { ShipmentId = "S", SellerId = "SEL", DeclaredAt = Now, Goods = [new GoodsFacts(1, description, "", 1, 1000, "EUR", "")] };
        Assert.Equal(vague, Engine.Score(facts, Now).Reasons.Any(r => r.Code == RiskRules.VagueDescription));
    }

    [Fact]
    public void Normaliser_views()
    {
        Assert.Equal("r e p i i c a", TextNormaliser.Fold("R.e.p.l.i.c.a"));
        Assert.Equal(TextNormaliser.FoldCompact("replica"), TextNormaliser.FoldCompact("R.e.p.l.i.c.a"));
        Assert.Equal("1:1 aaa grade", TextNormaliser.Fold("1:1 AAAA-grade"));
        Assert.Equal("guci", TextNormaliser.Fold("GUUUCCI"));
        Assert.Equal("iphone 15", TextNormaliser.Fold("iPhone 15"));
        Assert.Equal("高仿 包", TextNormaliser.Fold("高仿 包"));
        Assert.Equal(TextNormaliser.Fold("replica"), TextNormaliser.Fold("rep\u200Bli\u00ADca"));
    }
}
