using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Ingest;

namespace Gateway.Server.Listings;

/// <summary>Writes marketplace listings inside the caller's transaction, idempotent by listing_id.</summary>
internal sealed class ListingWriter(Database database, TimeProvider clock) : IRecordWriter<Listing>
{
    private static readonly string[] Columns =
    [
        "listing_id", "seller_id", "title", "url", "brand", "category", "price_minor", "currency", "created_at", "updated_at",
    ];

    private readonly string upsert = database.Dialect.Upsert("listings", ["listing_id"], Columns);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string LockTable => "listings";

    public async Task UpsertAsync(DbConnection connection, DbTransaction transaction, Listing listing, CancellationToken cancellationToken = default)
    {
        await using var batch = await BeginBatchAsync(connection, transaction, cancellationToken);
        await batch.UpsertAsync(listing, cancellationToken);
    }

    public Task<IRecordBatch<Listing>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default) =>
        Task.FromResult<IRecordBatch<Listing>>(new Batch(this, connection, transaction));

    private sealed class Batch(ListingWriter writer, DbConnection connection, DbTransaction transaction) : IRecordBatch<Listing>
    {
        private readonly PreparedCommand exists = new(connection, transaction, "SELECT 1 FROM listings WHERE listing_id = @ListingId", "ListingId");
        private readonly PreparedCommand upsert = new(connection, transaction, writer.upsert, Columns.Select(SqlDialect.Parameter));

        public async Task<bool> UpsertAsync(Listing listing, object? prepared, CancellationToken cancellationToken = default)
        {
            var existed = await exists.Set("ListingId", listing.ListingId).ScalarAsync(cancellationToken) is not null;
            var now = writer.Now;
            await upsert
                .Set("ListingId", listing.ListingId)
                .Set("SellerId", listing.SellerId)
                .Set("Title", listing.Title)
                .Set("Url", listing.Url)
                .Set("Brand", listing.Brand)
                .Set("Category", listing.Category)
                .Set("PriceMinor", listing.Price?.AmountMinor ?? 0)
                .Set("Currency", listing.Price?.Currency ?? "")
                .Set("CreatedAt", listing.CreatedAt?.ToDateTime() ?? now)
                .Set("UpdatedAt", now)
                .ExecuteAsync(cancellationToken);
            return !existed;
        }

        public async ValueTask DisposeAsync()
        {
            await exists.DisposeAsync();
            await upsert.DisposeAsync();
        }
    }
}
