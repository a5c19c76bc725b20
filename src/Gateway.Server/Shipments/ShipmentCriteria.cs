using System.Security.Cryptography;
using Gateway.Contracts.V1;
using Gateway.Server.Grpc;
using Google.Protobuf;

namespace Gateway.Server.Shipments;

/// <summary>
/// A validated, normalised <see cref="ShipmentFilter"/>. Normalising first (upper-case countries,
/// trimmed text) means two spellings of the same filter hash the same, so a page token issued for
/// "fr" is honoured for "FR", while any real change of filter invalidates it.
/// </summary>
internal sealed record ShipmentCriteria(
    string DestinationCountry,
    string OriginCountry,
    string SellerId,
    string HsCodePrefix,
    DateTime? DeclaredFrom,
    DateTime? DeclaredTo,
    int? MinRiskScore,
    string ConsigneeNameContains)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const int DefaultBatchSize = 1000;
    public const int MaxBatchSize = 1000;
    public const int MaxIdLength = 64;
    public const int MaxHsCodeLength = 10;
    public const int MaxNameLength = 200;

    public static readonly ShipmentCriteria None = new("", "", "", "", null, null, null, "");

    /// <summary>Validates every field at once; all violations are reported together as INVALID_ARGUMENT.</summary>
    /// <param name="prefix">Field path prefix for violations, e.g. "filter".</param>
    public static ShipmentCriteria From(ShipmentFilter? filter, string prefix = "filter")
    {
        var violations = new List<(string, string)>();
        if (filter is null)
        {
            return None;
        }

        string Country(string value, string field)
        {
            var v = value.Trim();
            if (v.Length == 0)
            {
                return "";
            }

            if (v.Length != 2 || !v.All(char.IsAsciiLetter))
            {
                violations.Add(($"{prefix}.{field}", "An ISO 3166-1 alpha-2 country code (two letters)."));
            }

            return v.ToUpperInvariant();
        }

        DateTime? Time(Google.Protobuf.WellKnownTypes.Timestamp? value, string field)
        {
            if (value is null)
            {
                return null;
            }

            // Timestamp's own range: 0001-01-01 to 9999-12-31, nanos 0..999,999,999.
            if (value.Seconds is < -62135596800 or > 253402300799 || value.Nanos is < 0 or > 999_999_999)
            {
                violations.Add(($"{prefix}.{field}", "Not a valid timestamp."));
                return null;
            }

            return value.ToDateTime();
        }

        var destination = Country(filter.DestinationCountry, "destination_country");
        var origin = Country(filter.OriginCountry, "origin_country");

        var seller = filter.SellerId.Trim();
        if (seller.Length > MaxIdLength)
        {
            violations.Add(($"{prefix}.seller_id", $"At most {MaxIdLength} characters."));
        }

        var hs = filter.HsCodePrefix.Trim();
        if (hs.Length > MaxHsCodeLength || !hs.All(char.IsAsciiDigit))
        {
            violations.Add(($"{prefix}.hs_code_prefix", $"Digits only, at most {MaxHsCodeLength} (e.g. \"6403\")."));
        }

        var from = Time(filter.DeclaredFrom, "declared_from");
        var to = Time(filter.DeclaredTo, "declared_to");
        if (from is { } f && to is { } t && f >= t)
        {
            violations.Add(($"{prefix}.declared_to", "Must be after declared_from (declared_from is inclusive, declared_to exclusive)."));
        }

        int? minRisk = filter.HasMinRiskScore ? filter.MinRiskScore : null;
        if (minRisk is < 0 or > 100)
        {
            violations.Add(($"{prefix}.min_risk_score", "Between 0 and 100."));
        }

        var consignee = filter.ConsigneeNameContains.Trim();
        if (consignee.Length > MaxNameLength)
        {
            violations.Add(($"{prefix}.consignee_name_contains", $"At most {MaxNameLength} characters."));
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The shipment filter is invalid.", [.. violations]);
        }

        return new ShipmentCriteria(destination, origin, seller, hs, from, to, minRisk, consignee);
    }

    /// <summary>0 → <paramref name="fallback"/>; negative or above <paramref name="max"/> → INVALID_ARGUMENT.</summary>
    public static int Size(int requested, int fallback, int max, string field)
    {
        if (requested == 0)
        {
            return fallback;
        }

        if (requested < 0 || requested > max)
        {
            throw RpcErrors.InvalidArgument($"{field} is out of range.", (field, $"Between 1 and {max}; 0 for the default ({fallback})."));
        }

        return requested;
    }

    /// <summary>SHA-256 of the canonical (normalised) filter: what a page token is bound to.</summary>
    public byte[] Hash()
    {
        var canonical = new ShipmentFilter
        {
            DestinationCountry = DestinationCountry,
            OriginCountry = OriginCountry,
            SellerId = SellerId,
            HsCodePrefix = HsCodePrefix,
            DeclaredFrom = DeclaredFrom is { } f ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(f) : null,
            DeclaredTo = DeclaredTo is { } t ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(t) : null,
            ConsigneeNameContains = ConsigneeNameContains,
        };
        if (MinRiskScore is { } risk)
        {
            canonical.MinRiskScore = risk;
        }

        // Protobuf encoding of a message without maps is deterministic: same filter, same bytes.
        return SHA256.HashData(canonical.ToByteArray());
    }
}
