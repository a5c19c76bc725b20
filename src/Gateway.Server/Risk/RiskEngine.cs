using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Gateway.Server.Risk;

/// <summary>
/// Scores one shipment's facts: pure, in memory, no I/O — so it is fast, deterministic and testable.
/// Built once from the options and the brand catalog (immutable afterwards, safe to share across threads;
/// per-thread scratch buffers keep scoring allocation-light). Every point of the score is explained by a
/// reason with the rule's code, what the rule saw, and the points it contributed.
/// </summary>
internal sealed class RiskEngine
{
    private enum Family : byte
    {
        Replica,
        WeakReplica,
        Honest,
        Brand,
    }

    /// <param name="Boundaries">Whole-word match required at each end (patterns starting / ending with a Latin letter or digit).</param>
    private readonly record struct PatternInfo(Family Family, string Label, int Brand, bool Multiword, bool BoundaryStart, bool BoundaryEnd);

    private readonly RiskOptions options;
    private readonly BrandCatalog brands;
    private readonly PatternMatcher wordsMatcher;
    private readonly PatternInfo[] wordsPatterns;
    private readonly PatternMatcher compactMatcher;
    private readonly PatternInfo[] compactPatterns;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> vague;
    private readonly int[] weights;

    [ThreadStatic]
    private static Scratch? scratch;

    public RiskEngine(RiskOptions options, BrandCatalog brands)
    {
        this.options = options;
        this.brands = brands;
        weights = RiskRules.DefaultWeights
            .Select(d => options.Rules.TryGetValue(d.Code, out var rule)
                ? (rule.Enabled ? Math.Clamp(rule.Weight ?? d.Weight, 0, 100) : 0)
                : d.Weight)
            .ToArray();

        var entries = new List<(string Text, PatternInfo Info)>();
        void Add(IEnumerable<string> terms, Family family, int brand = -1)
        {
            foreach (var term in terms)
            {
                entries.Add((term, new PatternInfo(family, term, brand, false, false, false)));
            }
        }

        Add(Or(options.ReplicaTerms, Vocabulary.ReplicaTerms), Family.Replica);
        Add(Or(options.WeakReplicaTerms, Vocabulary.WeakReplicaTerms), Family.WeakReplica);
        Add(Or(options.HonestPhrases, Vocabulary.HonestPhrases), Family.Honest);
        for (var b = 0; b < brands.Brands.Count; b++)
        {
            Add(BrandCatalog.Names(brands.Brands[b]), Family.Brand, b);
        }

        var words = new List<string>();
        var wordsInfo = new List<PatternInfo>();
        var compact = new List<string>();
        var compactInfo = new List<PatternInfo>();
        var seenWords = new HashSet<(string, Family, int)>();
        var seenCompact = new HashSet<(string, Family, int)>();
        foreach (var (text, info) in entries)
        {
            var folded = TextNormaliser.Fold(text);
            if (folded.Length == 0)
            {
                continue;
            }

            var full = info with
            {
                Multiword = folded.Contains(' ', StringComparison.Ordinal),
                BoundaryStart = char.IsAsciiLetterOrDigit(folded[0]),
                BoundaryEnd = char.IsAsciiLetterOrDigit(folded[^1]),
            };
            if (seenWords.Add((folded, info.Family, info.Brand)))
            {
                words.Add(folded);
                wordsInfo.Add(full);
            }

            // The compact view catches split words; short or numeric patterns there would match across
            // ordinary words ("a b c"), so only letter patterns of four or more count there.
            var glued = TextNormaliser.FoldCompact(text);
            // CJK terms are two or three characters long and carry meaning alone, so they are allowed at two.
            var compactable = (glued.Length >= 4 && glued.All(char.IsLetter)) || (glued.Length >= 2 && glued.All(c => c >= '\u2E80'));
            if (info.Family != Family.Honest && compactable && seenCompact.Add((glued, info.Family, info.Brand)))
            {
                compact.Add(glued);
                compactInfo.Add(full);
            }
        }

        wordsMatcher = new PatternMatcher(words);
        wordsPatterns = [.. wordsInfo];
        compactMatcher = new PatternMatcher(compact);
        compactPatterns = [.. compactInfo];

        var vagueTokens = Or(options.VagueWords, Vocabulary.VagueWords)
            .SelectMany(w => TextNormaliser.Fold(w).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        vague = vagueTokens.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public RiskOptions Options => options;

    public BrandCatalog Brands => brands;

    /// <summary>Automaton size, for the docs and the benchmark.</summary>
    public (int Patterns, int States) MatcherSize => (wordsPatterns.Length + compactPatterns.Length, wordsMatcher.StateCount + compactMatcher.StateCount);

    public int Weight(string code)
    {
        var i = RiskRules.DefaultWeights.ToList().FindIndex(d => d.Code == code);
        return i < 0 ? 0 : weights[i];
    }

    private static IEnumerable<string> Or(List<string> configured, string[] defaults) => configured.Count > 0 ? configured : defaults;

    /// <summary>What the vocabulary found in one text.</summary>
    public TextFindings Inspect(string text)
    {
        var s = scratch ??= new Scratch();
        s.Reset();
        Analyse(s, text, 0);
        return new TextFindings(
            s.Terms.Select(t => t.Term).ToList(),
            s.BrandsMentioned.Select(b => brands.Brands[b].Name).ToList(),
            s.BrandWithReplica);
    }

    public RiskAssessment Score(ShipmentFacts facts, DateTime now)
    {
        var s = scratch ??= new Scratch();
        s.Reset();
        List<RiskReason>? reasons = null;

        // Listings first: a goods line without a brand of its own can take the brand its listing's title names.
        for (var i = 0; i < facts.Listings.Count; i++)
        {
            var listing = facts.Listings[i];
            var brand = Analyse(s, listing.Title, -(i + 1));
            s.ListingBrand.Add(brand);
        }

        string? vagueDetail = null;
        string? lowValueDetail = null;
        for (var i = 0; i < facts.Goods.Count; i++)
        {
            var line = facts.Goods[i];
            var mentioned = Analyse(s, line.Description, line.LineNo);
            if (vagueDetail is null && IsVague(s.Normaliser))
            {
                vagueDetail = line.Description.Trim().Length == 0
                    ? $"goods line {line.LineNo} has no description"
                    : $"goods line {line.LineNo} is described only as '{Truncate(line.Description.Trim(), 60)}'";
            }

            if (lowValueDetail is null && weights[2] > 0)
            {
                lowValueDetail = LowValue(facts, line, mentioned, s);
            }
        }

        if (s.Terms.Count > 0 && weights[0] > 0)
        {
            var list = string.Join(", ", s.Terms.Take(5).Select(t => t.Where < 0
                ? $"'{t.Term}' in the title of listing {facts.Listings[-t.Where - 1].ListingId}"
                : $"'{t.Term}' in the description of goods line {t.Where}"));
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.ReplicaTerm, "replica vocabulary: " + list, weights[0]));
        }

        if (s.Terms.Count > 0 && weights[1] > 0)
        {
            var brand = s.BrandWithReplica ?? DeclaredBrand(facts)
                ?? (s.BrandsMentioned.Count > 0 ? brands.Brands[s.BrandsMentioned[0]].Name : null);
            if (brand is not null)
            {
                (reasons ??= new(4)).Add(new RiskReason(RiskRules.BrandWithReplicaTerm, $"brand '{brand}' together with replica vocabulary", weights[1]));
            }
        }

        if (lowValueDetail is not null)
        {
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.LowDeclaredValue, lowValueDetail, weights[2]));
        }

        if (vagueDetail is not null && weights[3] > 0)
        {
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.VagueDescription, vagueDetail, weights[3]));
        }

        if (facts.SellerStrikes > 0 && weights[4] > 0)
        {
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.SellerStrikes,
                $"seller {facts.SellerId} has {facts.SellerStrikes} strike(s) in the last {options.StrikeWindowDays} days", weights[4]));
        }

        if (facts.SellerSeizures > 0 && weights[5] > 0)
        {
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.SellerSeizureHistory,
                $"{facts.SellerSeizures} earlier shipment(s) of seller {facts.SellerId} were seized", weights[5]));
        }

        if (facts.SellerAccountCreatedAt is { } created && weights[6] > 0)
        {
            var age = (now - created).TotalDays;
            if (age < options.NewSellerDays)
            {
                (reasons ??= new(4)).Add(new RiskReason(RiskRules.NewSeller,
                    $"seller account is {Math.Max(0, (int)age)} day(s) old (< {options.NewSellerDays})", weights[6]));
            }
        }

        if (facts.SplitShipments >= options.SplittingMinShipments && weights[7] > 0)
        {
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.Splitting,
                $"{facts.SplitShipments} low-value shipments from seller {facts.SellerId} to the same consignee within {options.SplittingWindowDays} days", weights[7]));
        }

        if (facts.ConsigneePriorSeizures > 0 && weights[8] > 0)
        {
            (reasons ??= new(4)).Add(new RiskReason(RiskRules.ConsigneePriorSeizure,
                $"the consignee received {facts.ConsigneePriorSeizures} earlier shipment(s) seized as counterfeit", weights[8]));
        }

        return reasons is null ? RiskAssessment.None : Cap(reasons);
    }

    /// <summary>The score is capped at 100; reasons past the cap say so and carry the points they actually added, so they still sum to the score.</summary>
    private static RiskAssessment Cap(List<RiskReason> reasons)
    {
        var total = 0;
        for (var i = 0; i < reasons.Count; i++)
        {
            var points = Math.Min(reasons[i].Weight, 100 - total);
            if (points != reasons[i].Weight)
            {
                reasons[i] = reasons[i] with { Detail = reasons[i].Detail + $" (score capped at 100: {points} of {reasons[i].Weight} points)", Weight = points };
            }

            total += points;
        }

        return new RiskAssessment(total, reasons);
    }

    private string? DeclaredBrand(ShipmentFacts facts)
    {
        foreach (var line in facts.Goods)
        {
            if (brands.Find(line.Brand) is var b and >= 0)
            {
                return brands.Brands[b].Name;
            }
        }

        foreach (var listing in facts.Listings)
        {
            if (brands.Find(listing.Brand) is var b and >= 0)
            {
                return brands.Brands[b].Name;
            }
        }

        return null;
    }

    private string? LowValue(ShipmentFacts facts, GoodsFacts line, int mentioned, Scratch s)
    {
        var listingIndex = -1;
        for (var i = 0; i < facts.Listings.Count && line.ListingId.Length > 0; i++)
        {
            if (facts.Listings[i].ListingId == line.ListingId)
            {
                listingIndex = i;
                break;
            }
        }

        var listing = listingIndex >= 0 ? facts.Listings[listingIndex] : null;
        var brand = brands.Find(line.Brand);
        if (brand < 0 && listing is not null)
        {
            brand = brands.Find(listing.Brand);
        }

        if (brand < 0)
        {
            brand = mentioned >= 0 ? mentioned : listingIndex >= 0 ? s.ListingBrand[listingIndex] : -1;
        }

        if (brand < 0 || line.Currency.Length == 0)
        {
            return null;
        }

        var price = brands.ReferencePrice(brand, listing?.Category ?? "", line.Currency);
        if (price is null || price.MinMinor <= 0)
        {
            return null;
        }

        var unit = line.ValueMinor / Math.Max(1, line.Quantity);
        if (unit >= options.LowValueRatio * price.MinMinor)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"goods line {line.LineNo}: {brands.Brands[brand].Name} {price.Category} declared at {unit / 100.0:0.00} {line.Currency} per unit, " +
            $"under {options.LowValueRatio:P0} of the reference minimum {price.MinMinor / 100.0:0.00} {price.Currency}");
    }

    private bool IsVague(TextNormaliser n)
    {
        var words = n.WordsSpan;
        if (words.IsEmpty)
        {
            return true;
        }

        if (n.TokenCount > 3)
        {
            return false;
        }

        var any = false;
        foreach (var range in words.Split(' '))
        {
            var token = words[range];
            if (char.IsAsciiDigit(token[0]))
            {
                continue; // "2 bags"
            }

            if (!vague.Contains(token))
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    /// <param name="where">Where the text is, for the reason's detail: a goods line number, or -(listing index + 1).</param>
    /// <returns>The first brand the text mentions, or -1.</returns>
    private int Analyse(Scratch s, string text, int where)
    {
        var n = s.Normaliser;
        n.Normalise(text);
        s.Hits.Clear();
        var wordsSink = new WordsSink(this, s);
        wordsMatcher.Scan(n.WordsSpan, ref wordsSink);
        var compactSink = new CompactSink(this, s);
        compactMatcher.Scan(n.CompactSpan, ref compactSink);
        if (s.Hits.Count == 0)
        {
            return -1;
        }

        var firstBrand = -1;
        var replica = false;
        var weak = false;
        foreach (var hit in s.Hits)
        {
            var info = hit.Compact ? compactPatterns[hit.Pattern] : wordsPatterns[hit.Pattern];
            if (info.Family == Family.Brand)
            {
                if (firstBrand < 0)
                {
                    firstBrand = info.Brand;
                }

                if (!s.BrandsMentioned.Contains(info.Brand))
                {
                    s.BrandsMentioned.Add(info.Brand);
                }
            }
            else if (info.Family is Family.Replica or Family.WeakReplica && !Honest(s, hit))
            {
                replica |= info.Family == Family.Replica;
                weak |= info.Family == Family.WeakReplica;
            }
        }

        // A weak term ("copy", "AAA", "imitation") is a replica signal only in a text that names a brand.
        if (!replica && !(weak && firstBrand >= 0))
        {
            return firstBrand;
        }

        foreach (var hit in s.Hits)
        {
            var info = hit.Compact ? compactPatterns[hit.Pattern] : wordsPatterns[hit.Pattern];
            if (info.Family is Family.Replica or Family.WeakReplica && !Honest(s, hit) && !s.Terms.Exists(t => t.Term == info.Label))
            {
                s.Terms.Add((info.Label, where));
            }
        }

        if (firstBrand >= 0)
        {
            s.BrandWithReplica ??= brands.Brands[firstBrand].Name;
        }

        return firstBrand;
    }

    /// <summary>A replica term inside an honest phrase ("fake fur", "imitation leather") does not count.</summary>
    private bool Honest(Scratch s, Hit hit)
    {
        if (hit.Compact)
        {
            return false;
        }

        foreach (var other in s.Hits)
        {
            if (!other.Compact && wordsPatterns[other.Pattern].Family == Family.Honest && other.Start <= hit.Start && other.End >= hit.End)
            {
                return true;
            }
        }

        return false;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";

    private readonly record struct Hit(int Pattern, int Start, int End, bool Compact);

    /// <summary>Words view: a hit counts only on word boundaries, so "fake" does not fire inside "fakir", nor "aaa" inside a longer run.</summary>
    private readonly struct WordsSink(RiskEngine engine, Scratch s) : IMatchSink
    {
        public void OnMatch(int pattern, int end)
        {
            var info = engine.wordsPatterns[pattern];
            var start = end - engine.wordsMatcher.Lengths[pattern] + 1;
            var text = s.Normaliser.Words;
            if (info.BoundaryStart && start > 0 && char.IsAsciiLetterOrDigit(text[start - 1]))
            {
                return;
            }

            if (info.BoundaryEnd && end + 1 < s.Normaliser.WordsLength && char.IsAsciiLetterOrDigit(text[end + 1]))
            {
                return;
            }

            s.Hits.Add(new Hit(pattern, start, end, false));
        }
    }

    /// <summary>
    /// Compact view (separators removed): catches "r.e.p.l.i.c.a" and "gu cci" without gluing ordinary words
    /// into false positives. A hit counts only when it is made of whole tokens, and either it is one token
    /// (a multi-word term written solid: "supercopy") or the pieces look like a split word — one of them is
    /// one or two letters long, or all are at most three ("car tier" does not become a brand).
    /// </summary>
    private readonly struct CompactSink(RiskEngine engine, Scratch s) : IMatchSink
    {
        public void OnMatch(int pattern, int end)
        {
            var n = s.Normaliser;
            var start = end - engine.compactMatcher.Lengths[pattern] + 1;
            var first = n.CompactToken[start];
            var last = n.CompactToken[end];
            if (n.CompactShared[end])
            {
                last--; // the match ends on the letter the next token repeated ("… c o n" + "new")
            }
            else if (end + 1 < n.CompactLength && n.CompactToken[end + 1] == last)
            {
                return;
            }

            if ((start > 0 && n.CompactToken[start - 1] == first) || last < first)
            {
                return;
            }

            if (first == last)
            {
                if (!engine.compactPatterns[pattern].Multiword)
                {
                    return; // one whole token: the words view already judged it
                }
            }
            else
            {
                int shortest = int.MaxValue, longest = 0;
                for (var t = first; t <= last; t++)
                {
                    shortest = Math.Min(shortest, n.TokenLength[t]);
                    longest = Math.Max(longest, n.TokenLength[t]);
                }

                if (shortest > 2 && longest > 3)
                {
                    return;
                }
            }

            s.Hits.Add(new Hit(pattern, start, end, true));
        }
    }

    private sealed class Scratch
    {
        public readonly TextNormaliser Normaliser = new();
        public readonly List<Hit> Hits = new(16);
        public readonly List<(string Term, int Where)> Terms = new(4);
        public readonly List<int> BrandsMentioned = new(4);
        public readonly List<int> ListingBrand = new(4);
        public string? BrandWithReplica;

        public void Reset()
        {
            Terms.Clear();
            BrandsMentioned.Clear();
            ListingBrand.Clear();
            BrandWithReplica = null;
        }
    }
}

/// <summary>What the vocabulary found in a text: replica terms (after the weak-term and honest-phrase rules) and brands named.</summary>
internal sealed record TextFindings(IReadOnlyList<string> ReplicaTerms, IReadOnlyList<string> Brands, string? BrandWithReplica);
