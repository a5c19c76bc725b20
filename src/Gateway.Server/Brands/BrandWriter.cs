using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Ingest;

namespace Gateway.Server.Brands;

/// <summary>
/// Writes protected brands (name, aliases) and their reference price ranges by category inside the
/// caller's transaction, idempotent by brand_id. The ranges are replaced as a whole, so a category
/// the platform drops stops influencing the risk engine.
/// </summary>
internal sealed class BrandWriter(Database database, TimeProvider clock) : IRecordWriter<Brand>
{
    private static readonly string[] Columns = ["brand_id", "name", "aliases", "updated_at"];

    private readonly string upsert = database.Dialect.Upsert("brands", ["brand_id"], Columns);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string LockTable => "brands";

    public Task<IRecordBatch<Brand>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default) =>
        Task.FromResult<IRecordBatch<Brand>>(new Batch(this, connection, transaction));

    private sealed class Batch(BrandWriter writer, DbConnection connection, DbTransaction transaction) : IRecordBatch<Brand>
    {
        private readonly PreparedCommand exists = new(connection, transaction, "SELECT 1 FROM brands WHERE brand_id = @BrandId", "BrandId");
        private readonly PreparedCommand upsert = new(connection, transaction, writer.upsert, Columns.Select(SqlDialect.Parameter));
        private readonly PreparedCommand deletePrices = new(connection, transaction, "DELETE FROM brand_reference_prices WHERE brand_id = @BrandId", "BrandId");
        private readonly PreparedCommand insertPrice = new(connection, transaction, """
            INSERT INTO brand_reference_prices (brand_id, category, min_minor, max_minor, currency)
            VALUES (@BrandId, @Category, @MinMinor, @MaxMinor, @Currency)
            """, "BrandId", "Category", "MinMinor", "MaxMinor", "Currency");

        public async Task<bool> UpsertAsync(Brand brand, object? prepared, CancellationToken cancellationToken = default)
        {
            var existed = await exists.Set("BrandId", brand.BrandId).ScalarAsync(cancellationToken) is not null;
            await upsert
                .Set("BrandId", brand.BrandId)
                .Set("Name", brand.Name)
                // Newline-separated (M0002); validation refuses aliases containing a line break.
                .Set("Aliases", string.Join('\n', brand.Aliases.Select(a => a.Trim())))
                .Set("UpdatedAt", writer.Now)
                .ExecuteAsync(cancellationToken);
            if (existed)
            {
                await deletePrices.Set("BrandId", brand.BrandId).ExecuteAsync(cancellationToken);
            }

            foreach (var price in brand.ReferencePrices)
            {
                await insertPrice
                    .Set("BrandId", brand.BrandId)
                    .Set("Category", price.Category)
                    .Set("MinMinor", price.Min.AmountMinor)
                    .Set("MaxMinor", price.Max.AmountMinor)
                    .Set("Currency", price.Min.Currency)
                    .ExecuteAsync(cancellationToken);
            }

            return !existed;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in new[] { exists, upsert, deletePrices, insertPrice })
            {
                await command.DisposeAsync();
            }
        }
    }
}
