using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Brands;
using Gateway.Server.Data;
using Gateway.Server.Ingest;
using Gateway.Server.Listings;
using Gateway.Server.Sellers;
using Gateway.Server.Shipments;

namespace Gateway.Server.Seed;

/// <summary>
/// Writes a <see cref="SyntheticMarketplace"/> into the database through the same writers as ingest
/// (one code path for the schema), in large transactions on one connection with prepared statements.
/// Idempotent like ingest: re-running the same seed updates the same ids.
/// </summary>
internal sealed class Seeder(Database database, TimeProvider clock)
{
    /// <summary>Records per transaction: the commit (an fsync) is amortised over many rows.</summary>
    public const int ChunkSize = 5000;

    public sealed record Counts(int Brands, int Sellers, int Listings, int Shipments);

    /// <summary>Phase name, records written so far in it, and its total.</summary>
    public delegate void Progress(string phase, int done, int total);

    public async Task<Counts> RunAsync(SyntheticMarketplace market, int shipments, Progress? progress = null, CancellationToken cancellationToken = default)
    {
        var brands = market.Brands();
        var sellers = market.Sellers;
        var listings = market.Listings;
        var counts = new Counts(brands.Count, sellers.Count, listings.Count, shipments);
        await WriteAsync(new BrandWriter(database, clock), brands, "brands", brands.Count, progress, cancellationToken);
        await WriteAsync(new SellerWriter(database, clock), sellers.Select(s => s.Seller), "sellers", sellers.Count, progress, cancellationToken);
        await WriteAsync(new ListingWriter(database, clock), listings.Select(l => l.Listing), "listings", listings.Count, progress, cancellationToken);
        await WriteAsync(new ShipmentWriter(database, clock), market.Shipments(shipments), "shipments", shipments, progress, cancellationToken);
        return counts;
    }

    private async Task WriteAsync<T>(IRecordWriter<T> writer, IEnumerable<T> records, string phase, int total, Progress? progress, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await RunAsync(connection, database.Dialect.BulkLoadSessionSql, cancellationToken);
        try
        {
            await WriteChunksAsync(connection, writer, records, phase, total, progress, cancellationToken);
        }
        finally
        {
            // Not cancellable: the connection must not reach the pool still relaxed.
            await RunAsync(connection, database.Dialect.BulkLoadSessionEndSql, CancellationToken.None);
        }
    }

    private static async Task RunAsync(DbConnection connection, string? sql, CancellationToken cancellationToken)
    {
        if (sql is not null)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The records in transactions of <see cref="ChunkSize"/>, on the connection the bulk-load settings apply to.</summary>
    private async Task WriteChunksAsync<T>(
        DbConnection connection, IRecordWriter<T> writer, IEnumerable<T> records, string phase, int total, Progress? progress, CancellationToken cancellationToken)
    {
        using var e = records.GetEnumerator();
        var done = 0;
        var more = e.MoveNext();
        while (more)
        {
            await using (var transaction = await database.Dialect.BeginWriteAsync(connection, writer.LockTable, cancellationToken))
            {
                await using (var batch = await writer.BeginBatchAsync(connection, transaction, cancellationToken))
                {
                    for (var n = 0; n < ChunkSize && more; n++, done++)
                    {
                        await batch.UpsertAsync(e.Current, cancellationToken);
                        more = e.MoveNext();
                    }
                }

                await transaction.CommitAsync(cancellationToken);
            }

            progress?.Invoke(phase, done, total);
        }

        progress?.Invoke(phase, done, total);
    }
}
