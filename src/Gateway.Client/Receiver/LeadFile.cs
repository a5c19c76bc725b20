using Gateway.Contracts.V1;
using Google.Protobuf;

namespace Gateway.Client.Receiver;

/// <summary>
/// The receiver's durable state: accepted leads, one JSON object per line. The ids already in the file
/// are the dedup set, so a restarted receiver still recognises redelivered leads. A lead is reported
/// accepted only once its line is flushed to disk.
/// </summary>
internal sealed class LeadFile : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly HashSet<string> ids = new(StringComparer.Ordinal);
    private readonly FileStream stream;
    private readonly StreamWriter writer;
    private int calls;
    private long received;

    public LeadFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        if (File.Exists(Path))
        {
            foreach (var line in File.ReadLines(Path).Where(l => l.Length > 0))
            {
                ids.Add(JsonParser.Default.Parse<Lead>(line).LeadId);
            }
        }

        stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        writer = new StreamWriter(stream) { AutoFlush = false };
    }

    public string Path { get; }

    /// <summary>DeliverLeads calls seen (including refused ones).</summary>
    public int Calls => Volatile.Read(ref calls);

    /// <summary>Leads received, duplicates included.</summary>
    public long Received => Interlocked.Read(ref received);

    public int NextCall() => Interlocked.Increment(ref calls);

    public async Task<int> CountAsync()
    {
        await gate.WaitAsync();
        try
        {
            return ids.Count;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <returns>The ids of the leads now stored: the new ones appended and the ones already there.</returns>
    public async Task<(List<string> Accepted, List<Lead> New)> StoreAsync(IEnumerable<Lead> leads, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var accepted = new List<string>();
            var fresh = new List<Lead>();
            foreach (var lead in leads)
            {
                Interlocked.Increment(ref received);
                if (lead.LeadId.Length == 0)
                {
                    continue;
                }

                if (!ids.Contains(lead.LeadId) && fresh.All(f => f.LeadId != lead.LeadId))
                {
                    await writer.WriteLineAsync(JsonFormatter.Default.Format(lead).AsMemory(), cancellationToken);
                    fresh.Add(lead);
                }

                accepted.Add(lead.LeadId);
            }

            await writer.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
            foreach (var lead in fresh)
            {
                ids.Add(lead.LeadId);
            }

            return (accepted, fresh);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        writer.Dispose();
        gate.Dispose();
    }
}
