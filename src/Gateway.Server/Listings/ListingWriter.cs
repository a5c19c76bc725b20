using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;

namespace Gateway.Server.Listings;

/// <summary>Writes a marketplace listing inside the caller's transaction, idempotent by listing_id.</summary>
internal sealed class ListingWriter(Database database, TimeProvider clock)
{
    private readonly string upsert = database.Dialect.Upsert("listings", ["listing_id"],
    [
        "listing_id", "seller_id", "title", "url", "brand", "category", "price_minor", "currency", "created_at", "updated_at",
    ]);

    public Task UpsertAsync(DbConnection connection, DbTransaction transaction, Listing listing, CancellationToken cancellationToken = default) =>
        connection.ExecuteAsync(new CommandDefinition(upsert, new
        {
            listing.ListingId,
            listing.SellerId,
            listing.Title,
            listing.Url,
            listing.Brand,
            listing.Category,
            PriceMinor = listing.Price?.AmountMinor ?? 0,
            Currency = listing.Price?.Currency ?? "",
            CreatedAt = listing.CreatedAt?.ToDateTime() ?? clock.GetUtcNow().UtcDateTime,
            UpdatedAt = clock.GetUtcNow().UtcDateTime,
        }, transaction, cancellationToken: cancellationToken));
}
