using System.Data.Common;

namespace Gateway.Server.Ingest;

/// <summary>
/// A writer of one kind of marketplace record, idempotent by the platform's id. A batch prepares
/// its statements once and writes many records inside the caller's transaction.
/// </summary>
internal interface IRecordWriter<T>
{
    /// <summary>The table whose write lock the batch's transaction must hold (see SqlDialect.BeginWriteAsync).</summary>
    string LockTable { get; }

    /// <summary>
    /// What the writer derives from a valid record without the database (a hash, normalised values), handed back
    /// to <see cref="IRecordBatch{T}.UpsertAsync(T, object?, CancellationToken)"/>; null when there is nothing.
    /// The ingest calls it as each record is read, while the previous batch holds the write lock, so that the
    /// lock is held for database work only.
    /// </summary>
    object? Prepare(T record) => null;

    Task<IRecordBatch<T>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default);
}

internal interface IRecordBatch<in T> : IAsyncDisposable
{
    /// <param name="prepared">What <see cref="IRecordWriter{T}.Prepare"/> returned for this record, or null to derive it here.</param>
    /// <returns>true when the record was new, false when it replaced an existing one.</returns>
    Task<bool> UpsertAsync(T record, object? prepared, CancellationToken cancellationToken = default);

    /// <returns>true when the record was new, false when it replaced an existing one.</returns>
    Task<bool> UpsertAsync(T record, CancellationToken cancellationToken = default) => UpsertAsync(record, null, cancellationToken);
}
