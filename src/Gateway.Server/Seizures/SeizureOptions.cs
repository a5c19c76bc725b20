using System.Globalization;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Seizures;

/// <summary>Settings under Gateway:Seizures.</summary>
internal sealed class SeizureOptions
{
    public const string Section = "Gateway:Seizures";

    /// <summary>Strikes in the rolling 12 months at which EXCLUSION_RECOMMENDED is sent to the marketplace.</summary>
    public int ExclusionStrikeThreshold { get; set; } = 3;

    /// <summary>Public holidays by ISO country code, as ISO dates: Holidays:FR = ["2026-12-25", …].</summary>
    public Dictionary<string, string[]> Holidays { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Refuses to start on a bad setting rather than computing a wrong legal deadline later.</summary>
internal sealed class SeizureOptionsValidator : IValidateOptions<SeizureOptions>
{
    public ValidateOptionsResult Validate(string? name, SeizureOptions options)
    {
        var failures = new List<string>();
        if (options.ExclusionStrikeThreshold < 1)
        {
            failures.Add($"{SeizureOptions.Section}:ExclusionStrikeThreshold must be at least 1.");
        }

        foreach (var (country, dates) in options.Holidays)
        {
            if (country.Length != 2 || !country.All(char.IsAsciiLetter))
            {
                failures.Add($"{SeizureOptions.Section}:Holidays:{country}: the key must be an ISO 3166-1 alpha-2 country code.");
            }

            failures.AddRange(dates
                .Where(d => !DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                .Select(d => $"{SeizureOptions.Section}:Holidays:{country}: '{d}' is not an ISO date (yyyy-MM-dd)."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The configured holidays, parsed once.</summary>
internal sealed class HolidayCalendar(IOptions<SeizureOptions> options)
{
    private readonly Dictionary<string, IReadOnlySet<DateOnly>> byCountry = options.Value.Holidays.ToDictionary(
        p => p.Key.ToUpperInvariant(),
        p => (IReadOnlySet<DateOnly>)p.Value.Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToHashSet(),
        StringComparer.Ordinal);

    public IReadOnlySet<DateOnly> For(string? country) =>
        country is not null && byCountry.TryGetValue(country.ToUpperInvariant(), out var holidays) ? holidays : new HashSet<DateOnly>();
}
