using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Audit;

/// <summary>The audit log could not be written: the call must fail (UNAVAILABLE) and return nothing.</summary>
internal sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Group commit: callers enqueue their record and wait; one loop drains everything pending into one
/// transaction — locks the chain head, numbers and hashes the records in order, inserts them,
/// moves the head, commits — and only then releases each caller. Under load one fsync serves many
/// calls, which is what keeps a durable, chained audit cheap. A failed transaction fails every
/// caller in it (fail closed); the next batch re-reads the head from the database, so a failure
/// never leaves a gap or a fork in the chain.
/// </summary>
internal sealed partial class AuditWriter(AuditStore store, IOptions<AuditOptions> options, ILogger<AuditWriter> log) : BackgroundService
{
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    // The writer loop's own connection, with the insert prepared once: re-preparing the statement for
    // every record was a third of the audited call's CPU. Dropped after any failure, so the next batch
    // starts from a fresh connection (and re-reads the head from the database).
    private System.Data.Common.DbConnection? connection;
    private Data.PreparedCommand? insert;
    private SqliteAuditInsert? sqliteInsert;
    private readonly AuditRecordEncoder encoder = new();
    private Data.PreparedCommand? lockHead;
    private Data.PreparedCommand? updateHead;

    /// <summary>Released when enough records have accumulated since the last checkpoint (read by <see cref="AuditCheckpointer"/>).</summary>
    public SemaphoreSlim CheckpointDue { get; } = new(0, 1);

    public bool Enabled => options.Value.Enabled;

    /// <summary>Appends a record (sequence, previous hash and hash are assigned here) and returns once it is durable.</summary>
    /// <exception cref="AuditUnavailableException">The record could not be committed.</exception>
    public Task<long> AppendAsync(AuditRecordRow record) => Enqueue(new Pending(record));

    /// <summary>Returns once a write transaction on the audit store has committed: the store is writable now.</summary>
    public Task ProbeAsync() => Enqueue(new Pending(null));

    private Task<long> Enqueue(Pending pending)
    {
        if (!queue.Writer.TryWrite(pending))
        {
            return Task.FromException<long>(new AuditUnavailableException("The audit writer has stopped."));
        }

        return pending.Done.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The loop runs on its own thread, with the provider's synchronous API. Its commit blocks on an
        // fsync; on a thread-pool thread that block starved the pool (two workers on two cores), so
        // calls waited for a thread while the CPU idled — audited throughput fell by a third. A
        // dedicated thread blocks nobody but itself.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "audit-writer",
        };
        thread.Start();
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<Pending>();
        var max = Math.Max(1, options.Value.MaxBatch);
        long sinceCheckpoint = 0;
        // No cancellation: on shutdown the queue is completed and what is pending is still written.
        while (queue.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < max && queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                var head = Commit(batch);
                var records = 0;
                foreach (var pending in batch)
                {
                    records += pending.Record is null ? 0 : 1;
                    pending.Done.TrySetResult(pending.Sequence);
                }

                Telemetry.GatewayMetrics.AuditBatchSize.Record(records);
                sinceCheckpoint += records;
                if (sinceCheckpoint >= options.Value.CheckpointEveryRecords)
                {
                    sinceCheckpoint = 0;
                    if (CheckpointDue.CurrentCount == 0)
                    {
                        CheckpointDue.Release();
                    }
                }

                LogCommitted(batch.Count, head.Sequence);
            }
            catch (Exception e)
            {
                DropConnection();
                LogWriteFailed(e, batch.Count);
                var failure = new AuditUnavailableException("The audit log could not be written.", e);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(failure);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        DropConnection();
    }

    private AuditStore.Head Commit(List<Pending> batch)
    {
        var database = store.Database;
        if (connection is null || (insert is null && sqliteInsert is null) || lockHead is null || updateHead is null)
        {
            connection = database.Open();
            if (database.Provider == "sqlite")
            {
                // Checkpoints run in the background (Data/WalCheckpointer.cs), not inside an audit commit.
                using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA wal_autocheckpoint=0;";
                pragma.ExecuteNonQuery();
            }

            // All three statements prepared once: with batches of about ten records, re-preparing the head's
            // SELECT … FOR UPDATE and UPDATE each time cost as much as the inserts. On SQLite the insert is
            // bound through SQLite's own API from the bytes just hashed (decision 85); elsewhere, the provider's.
            if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
            {
                sqliteInsert = new SqliteAuditInsert(sqlite);
            }
            else
            {
                insert = new Data.PreparedCommand(connection, null, AuditStore.InsertSql, AuditStore.InsertParameters);
            }

            lockHead = new Data.PreparedCommand(connection, null, AuditStore.LockHeadSql(database.Dialect));
            updateHead = new Data.PreparedCommand(connection, null, AuditStore.UpdateHeadSql, "Sequence", "Hash");
        }

        using var transaction = connection.BeginTransaction();
        lockHead.Transaction = updateHead.Transaction = transaction;
        if (insert is not null)
        {
            insert.Transaction = transaction;
        }

        AuditStore.Head head;
        using (var reader = lockHead.Reader())
        {
            if (!reader.Read())
            {
                throw new InvalidOperationException("The audit chain head row is missing.");
            }

            head = new AuditStore.Head(reader.GetInt64(0), reader.GetString(1));
        }

        var sequence = head.Sequence;
        var previous = head.Hash;
        foreach (var pending in batch)
        {
            if (pending.Record is null)
            {
                continue;
            }

            encoder.Encode(pending.Record, ++sequence, previous);
            var hash = encoder.Hash();
            if (sqliteInsert is not null)
            {
                sqliteInsert.Insert(encoder, pending.Record, sequence, hash);
            }
            else
            {
                AuditStore.Bind(insert!, pending.Record with { Sequence = sequence, PreviousHash = previous, Hash = hash }).Execute();
            }

            previous = hash;
            pending.Sequence = sequence;
        }

        // Also for a batch of probes only: a real write committed is what proves the store writable.
        var newHead = new AuditStore.Head(sequence, previous);
        updateHead.Set("Sequence", newHead.Sequence).Set("Hash", newHead.Hash).Execute();
        transaction.Commit();
        return newHead;
    }

    private void DropConnection()
    {
        // The raw statement first: it belongs to the connection, which goes back to the pool.
        sqliteInsert?.Dispose();
        sqliteInsert = null;
        insert?.Dispose();
        insert = null;
        lockHead?.Dispose();
        lockHead = null;
        updateHead?.Dispose();
        updateHead = null;
        connection?.Dispose();
        connection = null;
    }

    public override void Dispose()
    {
        CheckpointDue.Dispose();
        base.Dispose();
    }

    private sealed class Pending(AuditRecordRow? record)
    {
        public AuditRecordRow? Record { get; } = record;

        public long Sequence { get; set; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit batch of {Count} committed; head at {Sequence}")]
    private partial void LogCommitted(int count, long sequence);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Audit write failed: {Count} call(s) refused (fail closed)")]
    private partial void LogWriteFailed(Exception e, int count);
}
