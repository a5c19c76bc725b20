using Dapper;
using Gateway.Server.Data;
using Gateway.Server.Shipments;

namespace Gateway.Server.Sellers;

/// <summary>One row of `sellers`.</summary>
internal sealed class SellerRow
{
    public string SellerId { get; init; } = "";
    public string LegalName { get; init; } = "";
    public string TradingName { get; init; } = "";
    public string RegistrationNumber { get; init; } = "";
    public string VatNumber { get; init; } = "";
    public string Eori { get; init; } = "";
    public string Country { get; init; } = "";
    public string Status { get; init; } = "";
    public string VerificationStatus { get; init; } = "";
    public DateTime AccountCreatedAt { get; init; }
    public string AddressLines { get; init; } = "";
    public string Postcode { get; init; } = "";
    public string City { get; init; } = "";
    public string Email { get; init; } = "";
    public string Phone { get; init; } = "";
    public string PayoutAccountMasked { get; init; } = "";
}

/// <summary>
/// Seller reads. A seller is visible to an agency only through its shipments: the EXISTS on a
/// shipment in the caller's jurisdiction is part of the query, so a seller with none is never read.
/// </summary>
internal sealed class SellerQueries(Database database)
{
    public async Task<SellerRow?> FindVisibleAsync(string sellerId, IReadOnlyList<string> countries, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SellerRow>(new CommandDefinition($"""
            SELECT se.* FROM sellers se
            WHERE se.seller_id = @sellerId
              AND EXISTS (SELECT 1 FROM shipments s
                          WHERE s.seller_id = se.seller_id AND {ShipmentQueries.InJurisdiction(database.Dialect)})
            """, new { sellerId, countries }, cancellationToken: cancellationToken));
    }

    /// <summary>Strikes recorded at or after <paramref name="since"/> (the rolling 12-month window).</summary>
    public async Task<int> StrikesSinceAsync(string sellerId, DateTime since, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM seller_strikes WHERE seller_id = @sellerId AND recorded_at >= @since",
            new { sellerId, since }, cancellationToken: cancellationToken));
    }
}
