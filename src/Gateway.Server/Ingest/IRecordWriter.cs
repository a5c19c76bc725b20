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

    Task<IRecordBatch<T>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default);
}

internal interface IRecordBatch<in T> : IAsyncDisposable
{
    /// <returns>true when the record was new, false when it replaced an existing one.</returns>
    Task<bool> UpsertAsync(T record, CancellationToken cancellationToken = default);
}
