namespace Gateway.Server.Risk;

/// <summary>A brand the engine knows: names to find it by, and reference prices per category (minor units).</summary>
internal sealed record Brand(string BrandId, string Name, IReadOnlyList<string> Aliases, IReadOnlyList<BrandPrice> Prices);

internal sealed record BrandPrice(string Category, long MinMinor, long MaxMinor, string Currency);

/// <summary>The brands table in memory: lookup of a declared brand by folded name or alias. Immutable.</summary>
internal sealed class BrandCatalog
{
    private readonly Dictionary<string, int> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> bySpan;

    [ThreadStatic]
    private static TextNormaliser? normaliser;

    public BrandCatalog(IEnumerable<Brand> brands)
    {
        Brands = brands.ToArray();
        for (var i = 0; i < Brands.Count; i++)
        {
            foreach (var name in Names(Brands[i]))
            {
                var folded = TextNormaliser.Fold(name);
                if (folded.Length > 0)
                {
                    byName.TryAdd(folded, i);
                }
            }
        }

        bySpan = byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static readonly BrandCatalog Empty = new([]);

    public IReadOnlyList<Brand> Brands { get; }

    public static IEnumerable<string> Names(Brand brand) => [brand.Name, .. brand.Aliases];

    /// <returns>The index of the brand a declared brand field names, or -1.</returns>
    public int Find(string declared)
    {
        if (declared.Length == 0 || byName.Count == 0)
        {
            return -1;
        }

        // Per-thread buffers: this runs for most goods lines, so it must not allocate.
        var n = normaliser ??= new TextNormaliser();
        n.Normalise(declared);
        return bySpan.TryGetValue(n.WordsSpan, out var i) ? i : -1;
    }

    /// <summary>The reference price for the category, else the brand's lowest minimum in the currency (conservative).</summary>
    public BrandPrice? ReferencePrice(int brand, string category, string currency)
    {
        BrandPrice? lowest = null;
        foreach (var price in Brands[brand].Prices)
        {
            if (!string.Equals(price.Currency, currency, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (category.Length > 0 && string.Equals(price.Category, category, StringComparison.OrdinalIgnoreCase))
            {
                return price;
            }

            if (lowest is null || price.MinMinor < lowest.MinMinor)
            {
                lowest = price;
            }
        }

        return lowest;
    }
}
