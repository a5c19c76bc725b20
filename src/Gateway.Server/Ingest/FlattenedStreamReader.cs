using Grpc.Core;

namespace Gateway.Server.Ingest;

/// <summary>
/// The records of a stream of batches, read one by one: an ingest pipeline reads a batched stream as if its
/// records had come one message each, so positions in the summary count records, not messages.
/// </summary>
internal sealed class FlattenedStreamReader<TBatch, T>(IAsyncStreamReader<TBatch> batches, Func<TBatch, IReadOnlyList<T>> records) : IAsyncStreamReader<T>
    where T : class
{
    private IReadOnlyList<T> current = [];
    private int next;

    public T Current { get; private set; } = null!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        // An empty batch is allowed and holds nothing: read on to the next.
        while (next == current.Count)
        {
            if (!await batches.MoveNext(cancellationToken))
            {
                return false;
            }

            current = records(batches.Current);
            next = 0;
        }

        Current = current[next++];
        return true;
    }
}
