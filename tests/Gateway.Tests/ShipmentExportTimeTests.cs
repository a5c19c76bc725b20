using Gateway.Server.Shipments;

namespace Gateway.Tests;

/// <summary>The export's own parser of SQLite's timestamp text must agree with the provider's DateTime.Parse, or refuse.</summary>
public sealed class ShipmentExportTimeTests
{
    [Theory]
    [InlineData("2026-11-02 15:00:00")]
    [InlineData("2026-11-24 03:39:08.6079317")]
    [InlineData("2024-02-29 23:59:59.1")]
    [InlineData("0001-01-01 00:00:00")]
    [InlineData("9999-12-31 23:59:59.9999999")]
    [InlineData("2026-11-02T15:00:00.25")]
    public void Parses_what_the_provider_writes_exactly_as_DateTime_Parse_does(string text)
    {
        Assert.True(SqliteExportRow.TryParseSqliteText(new ReadOnlySpan<byte>(System.Text.Encoding.UTF8.GetBytes(text)), out var value));
        Assert.Equal(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(DateTimeKind.Unspecified, value.Kind);
    }

    [Theory]
    [InlineData("2026-11-02")]
    [InlineData("2026-11-02 15:00")]
    [InlineData("2026-02-30 15:00:00")]
    [InlineData("2026-13-02 15:00:00")]
    [InlineData("2026-11-02 24:00:00")]
    [InlineData("2026-11-02 15:00:00.")]
    [InlineData("2026-11-02 15:00:00+01:00")]
    [InlineData("2026-11-02 15:00:00.12345678")]
    [InlineData("2026-1x-02 15:00:00")]
    public void Anything_else_is_left_to_the_provider(string text) =>
        Assert.False(SqliteExportRow.TryParseSqliteText(new ReadOnlySpan<byte>(System.Text.Encoding.UTF8.GetBytes(text)), out _));
}
