using System.Security.Cryptography;
using Gateway.Contracts.V1;
using Gateway.Server.Shipments;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Tests;

public sealed class ShipmentSearchInputTests
{
    private static readonly PageTokens Tokens = new(RandomNumberGenerator.GetBytes(32));
    private static readonly byte[] FilterA = ShipmentCriteria.From(new ShipmentFilter { DestinationCountry = "FR" }).Hash();
    private static readonly byte[] FilterB = ShipmentCriteria.From(new ShipmentFilter { DestinationCountry = "DE" }).Hash();

    [Fact]
    public void A_token_round_trips_for_the_same_agency_and_filter()
    {
        var token = Tokens.Encode("fr-customs", FilterA, "SHP-0042");
        Assert.True(Tokens.TryDecode(token, "fr-customs", FilterA, out var after));
        Assert.Equal("SHP-0042", after);
        Assert.DoesNotContain('=', token);
        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
    }

    [Fact]
    public void A_token_is_refused_for_another_agency_another_filter_another_key_or_any_altered_byte()
    {
        var token = Tokens.Encode("fr-customs", FilterA, "SHP-0042");
        Assert.False(Tokens.TryDecode(token, "de-customs", FilterA, out _));
        Assert.False(Tokens.TryDecode(token, "fr-customs", FilterB, out _));
        Assert.False(new PageTokens(RandomNumberGenerator.GetBytes(32)).TryDecode(token, "fr-customs", FilterA, out _));
        for (var i = 0; i < token.Length; i++)
        {
            var altered = token.ToCharArray();
            altered[i] = altered[i] == 'A' ? 'B' : 'A';
            Assert.False(Tokens.TryDecode(new string(altered), "fr-customs", FilterA, out _), $"altered at {i}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("not base64 !")]
    [InlineData("AAAA")]
    [InlineData("AQ")]
    public void Garbage_is_not_a_token(string token) =>
        Assert.False(Tokens.TryDecode(token, "fr-customs", FilterA, out _));

    [Fact]
    public void The_filter_hash_ignores_spelling_but_not_meaning()
    {
        Assert.Equal(FilterA, ShipmentCriteria.From(new ShipmentFilter { DestinationCountry = " fr " }).Hash());
        Assert.NotEqual(FilterA, FilterB);
        var noRisk = ShipmentCriteria.From(new ShipmentFilter()).Hash();
        var riskZero = ShipmentCriteria.From(new ShipmentFilter { MinRiskScore = 0 }).Hash();
        Assert.NotEqual(noRisk, riskZero);      // "no condition" and "at least 0" are different filters
    }

    [Fact]
    public void Filters_are_normalised()
    {
        var criteria = ShipmentCriteria.From(new ShipmentFilter
        {
            DestinationCountry = "fr", OriginCountry = " cn", SellerId = " SEL-1 ", HsCodePrefix = "6403", ConsigneeNameContains = " Dupont ",
        });
        Assert.Equal(new ShipmentCriteria("FR", "CN", "SEL-1", "6403", null, null, null, "Dupont"), criteria);
        Assert.Equal(ShipmentCriteria.None, ShipmentCriteria.From(null));
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var e = Assert.Throws<RpcException>(() => ShipmentCriteria.From(new ShipmentFilter
        {
            DestinationCountry = "FRA", OriginCountry = "F1", SellerId = new string('s', 65), HsCodePrefix = "64_",
            DeclaredFrom = Timestamp.FromDateTime(new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc)),
            DeclaredTo = Timestamp.FromDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            MinRiskScore = -1, ConsigneeNameContains = new string('n', 201),
        }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var fields = e.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field);
        Assert.Equal(
        [
            "filter.destination_country", "filter.origin_country", "filter.seller_id", "filter.hs_code_prefix",
            "filter.declared_to", "filter.min_risk_score", "filter.consignee_name_contains",
        ], fields);
    }

    [Fact]
    public void An_out_of_range_timestamp_is_invalid_not_a_crash()
    {
        var e = Assert.Throws<RpcException>(() => ShipmentCriteria.From(new ShipmentFilter { DeclaredFrom = new Timestamp { Seconds = long.MaxValue } }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 1)]
    [InlineData(1000, 1000)]
    public void Page_sizes_default_and_stay_within_bounds(int requested, int expected) =>
        Assert.Equal(expected, ShipmentCriteria.Size(requested, 100, 1000, "page_size"));

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Page_sizes_out_of_bounds_are_invalid(int requested)
    {
        var e = Assert.Throws<RpcException>(() => ShipmentCriteria.Size(requested, 100, 1000, "page_size"));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }
}
