using System.Data.Common;
using System.Diagnostics;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Telemetry;
using Grpc.Core;

namespace Gateway.Server.Ingest;

/// <summary>
/// Reads an ingest stream record by record, validates each, and writes the valid ones in batches,
/// one transaction per batch. A rejected record is reported and skipped; it never aborts the stream
/// nor costs the good records of its batch.
/// </summary>
internal sealed partial class IngestPipeline(Database database, ILogger<IngestPipeline> log)
{
    /// <summary>Records per transaction: large enough to amortise the commit, small enough to hold the write lock briefly.</summary>
    /// <remarks>
    /// 1000 (was 500): each transaction rewrites every index page it touches once, however many of its
    /// records land there, so larger batches write fewer pages per record (randomly keyed indexes such
    /// as tracking number and MRN dominate). Larger still (2000–5000) saved a little more but holds
    /// SQLite's single write lock — which the audit writer also needs — for a quarter second or more.
    /// </remarks>
    public const int BatchSize = 1000;

    /// <summary>Rejections listed in the summary; the counts stay exact beyond it.</summary>
    public const int MaxListedRejections = 1000;

    /// <summary>How a stream's records are checked and written.</summary>
    /// <param name="Id">The record's id, for the rejection list.</param>
    /// <param name="SellerOf">The seller a record belongs to, when the seller must already exist.</param>
    public sealed record Kind<T>(string Name, IRecordWriter<T> Writer, Func<T, string?> Validate, Func<T, string> Id, Func<T, string>? SellerOf = null);

    public async Task<IngestSummary> RunAsync<T>(Kind<T> kind, IAsyncStreamReader<T> stream, string caller, CancellationToken cancellationToken)
    {
        var summary = new IngestSummary();
        // Sellers found so far in this stream. Sellers are never deleted (retention blanks shipments,
        // not sellers), so a seller once seen stays valid: one look-up per seller per stream, not per batch.
        var knownSellers = new HashSet<string>(StringComparer.Ordinal);
        // Written by the storage side only (one batch at a time), merged into the summary at the end.
        var written = new IngestSummary();
        var batch = new List<(long Index, T Record, object? Prepared)>(BatchSize);
        Task? writing = null;
        long index = 0;
        try
        {
            while (await stream.MoveNext(cancellationToken))
            {
                var record = stream.Current;
                var position = index++;
                summary.Received++;
                if (kind.Validate(record) is { } reason)
                {
                    Reject(summary, position, kind.Id(record), reason);
                    continue;
                }

                // Derived here, beside the previous batch's write rather than inside the next one's lock.
                batch.Add((position, record, kind.Writer.Prepare(record)));
                if (batch.Count == BatchSize)
                {
                    // While one batch is written, the next is read and validated. Batches still commit
                    // one after the other, in stream order. Task.Run because the providers' async calls
                    // complete synchronously (Microsoft.Data.Sqlite): awaited inline, the stream would
                    // wait for the disk.
                    if (writing is not null)
                    {
                        await writing;
                    }

                    var full = batch;
                    batch = new List<(long Index, T Record, object? Prepared)>(BatchSize);
                    writing = Task.Run(() => WriteAsync(kind, full, written, knownSellers, cancellationToken), cancellationToken);
                }
            }

            if (writing is not null)
            {
                await writing;
            }

            if (batch.Count > 0)
            {
                await WriteAsync(kind, batch, written, knownSellers, cancellationToken);
            }
        }
        finally
        {
            // A failed or cancelled stream still lets its last write finish before the call ends.
            if (writing is not null)
            {
                await Task.WhenAny(writing);
            }
        }

        summary.Inserted = written.Inserted;
        summary.Updated = written.Updated;
        summary.Rejected += written.Rejected;
        var listed = summary.Rejections.Concat(written.Rejections).OrderBy(r => r.Index).Take(MaxListedRejections).ToList();
        summary.Rejections.Clear();
        summary.Rejections.AddRange(listed);

        LogIngested(kind.Name, caller, summary.Received, summary.Inserted, summary.Updated, summary.Rejected);
        return summary;
    }

    private async Task WriteAsync<T>(Kind<T> kind, List<(long Index, T Record, object? Prepared)> batch, IngestSummary summary, HashSet<string> knownSellers, CancellationToken cancellationToken)
    {
        List<(long Index, string Id, bool Inserted, string? Reason)> outcomes;
        try
        {
            outcomes = await WriteInOneTransactionAsync(kind, batch, knownSellers, cancellationToken);
        }
        catch (DbException e) when (batch.Count > 1)
        {
            // Validation should leave nothing for the database to refuse; if it still does, find the
            // culprit rather than lose the batch: each record again in its own transaction.
            LogBatchRetried(e, kind.Name, batch.Count);
            foreach (var one in batch)
            {
                await WriteAsync(kind, [one], summary, knownSellers, cancellationToken);
            }

            return;
        }
        catch (DbException e)
        {
            LogRecordFailed(e, kind.Name, kind.Id(batch[0].Record));
            // The database's message is not passed on: it may name internals of the schema.
            outcomes = [(batch[0].Index, kind.Id(batch[0].Record), false, "storage: the record could not be stored")];
        }

        // Counted only after the commit: the summary never claims a write that was rolled back.
        foreach (var (index, id, inserted, reason) in outcomes)
        {
            if (reason is not null)
            {
                Reject(summary, index, id, reason);
            }
            else if (inserted)
            {
                summary.Inserted++;
            }
            else
            {
                summary.Updated++;
            }
        }
    }

    private async Task<List<(long, string, bool, string?)>> WriteInOneTransactionAsync<T>(
        Kind<T> kind, List<(long Index, T Record, object? Prepared)> batch, HashSet<string> knownSellers, CancellationToken cancellationToken)
    {
        var outcomes = new List<(long, string, bool, string?)>(batch.Count);
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect.WriteBatchSessionSql is { } session)
        {
            await using var settings = connection.CreateCommand();
            settings.CommandText = session;
            await settings.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = await database.Dialect.BeginWriteAsync(connection, kind.Writer.LockTable, cancellationToken);
        var locked = Stopwatch.GetTimestamp();
        try
        {
            await using var writer = await kind.Writer.BeginBatchAsync(connection, transaction, cancellationToken);
            await using var sellerExists = new PreparedCommand(connection, transaction, "SELECT 1 FROM sellers WHERE seller_id = @SellerId", "SellerId");
            foreach (var (index, record, prepared) in batch)
            {
                var id = kind.Id(record);
                if (kind.SellerOf?.Invoke(record) is { } sellerId && !knownSellers.Contains(sellerId))
                {
                    if (await sellerExists.Set("SellerId", sellerId).ScalarAsync(cancellationToken) is null)
                    {
                        outcomes.Add((index, id, false, $"seller_id: unknown seller \"{sellerId}\" (send the seller with UpsertSellers first)"));
                        continue;
                    }

                    knownSellers.Add(sellerId);
                }

                outcomes.Add((index, id, await writer.UpsertAsync(record, prepared, cancellationToken), null));
            }

            await transaction.CommitAsync(cancellationToken);
            return outcomes;
        }
        finally
        {
            GatewayMetrics.IngestBatchDuration.Record(Stopwatch.GetElapsedTime(locked).TotalSeconds, new KeyValuePair<string, object?>("kind", kind.Name));
        }
    }

    private static void Reject(IngestSummary summary, long index, string id, string reason)
    {
        summary.Rejected++;
        if (summary.Rejections.Count < MaxListedRejections)
        {
            summary.Rejections.Add(new IngestRejection { Index = index, Id = id.Length > IngestValidation.MaxIdLength ? id[..IngestValidation.MaxIdLength] : id, Reason = reason });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest {Kind} by {Caller}: {Received} received, {Inserted} inserted, {Updated} updated, {Rejected} rejected")]
    private partial void LogIngested(string kind, string caller, long received, long inserted, long updated, long rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Kind}: a batch of {Count} failed in storage; retrying record by record")]
    private partial void LogBatchRetried(Exception exception, string kind, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Kind}: record {Id} could not be stored")]
    private partial void LogRecordFailed(Exception exception, string kind, string id);
}
