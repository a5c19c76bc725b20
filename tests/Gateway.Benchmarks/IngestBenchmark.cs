using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Admin;
using Gateway.Server.Pki;
using Gateway.Server.Seed;
using Gateway.Server.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using static Gateway.Benchmarks.BenchmarkHost;

namespace Gateway.Benchmarks;

/// <summary>
/// Ingest throughput through the real gRPC IngestService: a gateway on loopback with mutual TLS and
/// a fresh SQLite file, the platform client streaming synthetic shipments.
/// `ingest [--shipments N] [--warmup N] [--sellers N] [--streams K] [--per-message M] [--indexed-changes C]` — K concurrent
/// streams, each of UpsertShipments (one shipment a message, the default) or, with M over 1, of UpsertShipmentBatches with
/// M shipments a message; the indexed pass changes C indexed values of each shipment (1 to 4, default 1).
/// </summary>
/// <remarks>
/// The three passes are measured on a fresh database after the same passes over the first <c>--warmup</c>
/// shipments on a throwaway gateway and database in the same process: the code is then warm, as in the other
/// benchmarks, and the measured database starts empty, as in every earlier run. Without the warm-up the insert
/// pass was also the process's warm-up: the JIT and the runtime's type loading were a quarter of its samples.
/// </remarks>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var shipments = Option(args, "--shipments", 100_000);
        var warmup = Option(args, "--warmup", 20_000);
        var sellerCount = Option(args, "--sellers", 2000);
        var streams = Option(args, "--streams", 1);
        var perMessage = Option(args, "--per-message", 1);
        var indexedChanges = Option(args, "--indexed-changes", 1);
        if (indexedChanges is < 1 or > MaxIndexedChanges)
        {
            throw new ArgumentException($"--indexed-changes: 1 to {MaxIndexedChanges}.");
        }
        var root = Path.Combine(Path.GetTempPath(), "gateway-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var pki = Path.Combine(root, "pki");
        DevPki.Create(pki);
        try
        {
            var market = new SyntheticMarketplace(seed: 1, sellerCount);
            var records = market.Shipments(shipments).ToList();
            if (warmup > 0)
            {
                await IngestAsync(root, pki, "warmup", market, records[..Math.Min(warmup, shipments)], streams, perMessage, indexedChanges, report: false);
            }

            await IngestAsync(root, pki, "measured", market, records, streams, perMessage, indexedChanges, report: true);
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task IngestAsync(string root, string pki, string name, SyntheticMarketplace market, List<Shipment> records, int streams, int perMessage, int indexedChanges, bool report)
    {
        var port = FreePort();
        string[] settings =
        [
            .. DevPkiArguments.For(pki, port, FreePort(), "sqlite", $"Data Source={root}/{name}.db"),
            // The recurring jobs would score the shipments mid-run, competing for the write lock and the
            // CPU: this measures ingest alone.
            "--Gateway:Jobs:score-shipments:Enabled=false",
            "--Gateway:Jobs:deliver-leads:Enabled=false",
            "--Gateway:Jobs:retention:Enabled=false",
        ];
        await using var app = GatewayApp.Build(settings, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.PrepareDatabaseAsync();
        await app.StartAsync();
        try
        {
            using var platform = GatewayConnection.FromPem(new Uri($"https://localhost:{port}/"),
                Path.Combine(pki, "platform.crt"), Path.Combine(pki, "platform.key"), Path.Combine(pki, "ca.crt"), "platform");
            using var channel = platform.CreateChannel();
            var client = new IngestService.IngestServiceClient(channel);
            await Send(client.UpsertSellers(), market.Sellers.Select(s => s.Seller));
            await Send(client.UpsertListings(), market.Listings.Select(l => l.Listing));

            if (report)
            {
                await JitSettledAsync();
            }

            using var writer = new WriteLockTimes("shipments");
            foreach (var (pass, data) in Passes(records, indexedChanges))
            {
                var (batchesBefore, heldBefore) = writer.Totals;
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var slices = Enumerable.Range(0, streams).Select(k => data.Where((_, i) => i % streams == k)).ToList();
                var summaries = await Task.WhenAll(slices.Select(slice => perMessage == 1
                    ? Send(client.UpsertShipments(), slice)
                    : Send(client.UpsertShipmentBatches(), slice.Chunk(perMessage).Select(c => new ShipmentIngestBatch { Shipments = { c } }))));
                var seconds = clock.Elapsed.TotalSeconds;
                if (!report)
                {
                    continue;
                }

                process.Refresh();
                var cpuMicros = (process.TotalProcessorTime - cpu).TotalMicroseconds / data.Count;
                var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
                var inserted = summaries.Sum(s => s.Inserted);
                var updated = summaries.Sum(s => s.Updated);
                var rejected = summaries.Sum(s => s.Rejected);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ingest {pass}: {data.Count} shipments over {streams} stream(s), {perMessage} a message, in {seconds:F1} s = {data.Count / seconds:F0} shipments/s, {cpuMicros:F1} µs CPU per shipment (client + server, one process), load {load} (inserted {inserted}, updated {updated}, rejected {rejected})"));
                var (batchesAfter, heldAfter) = writer.Totals;
                var (batches, held) = (batchesAfter - batchesBefore, heldAfter - heldBefore);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  write lock held by {batches} batches for {held:F2} s of the {seconds:F2} s ({100 * held / seconds:F0} %), {1000 * held / Math.Max(1, batches):F1} ms per batch"));
            }
        }
        finally
        {
            await app.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// The gateway's own measure of its single write path (<c>gateway.ingest.batch_duration</c>): how long the
    /// batches of one kind held the write lock. Near 100 % of a pass, the write path alone sets the rate.
    /// </summary>
    private sealed class WriteLockTimes : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly Lock gate = new();
        private long batches;
        private double seconds;

        public WriteLockTimes(string kind)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Name == GatewayMetrics.IngestBatchDuration.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "kind" && Equals(tag.Value, kind))
                    {
                        lock (gate)
                        {
                            batches++;
                            seconds += value;
                        }
                    }
                }
            });
            listener.Start();
        }

        public (long Batches, double Seconds) Totals
        {
            get
            {
                lock (gate)
                {
                    return (batches, seconds);
                }
            }
        }

        public void Dispose() => listener.Dispose();
    }

    // The most indexed values the indexed pass changes (--indexed-changes; Passes says which).
    private const int MaxIndexedChanges = 4;

    /// <summary>
    /// Insert; two kinds of update; re-send. A real update changes something: first values no index covers (the
    /// carrier and the first goods line, as a status or a correction would), which the writer stores without
    /// touching the indexed columns; then also an indexed one (the tracking number), which moves that index's
    /// entry as well (decision 100; before it, every index entry of the shipment). With <paramref name="indexedChanges"/>
    /// over 1, that pass also corrects the consignee's postcode, then the consignee's name, then the MRN (decision 102
    /// chains up to three). A re-send of an identical record is recognised and costs no write.
    /// </summary>
    private static (string Pass, List<Shipment> Data)[] Passes(List<Shipment> records, int indexedChanges)
    {
        var changed = records.Select(r =>
        {
            var c = r.Clone();
            c.Carrier += " (rerouted)";
            c.Goods[0].Description += " (corrected)";
            return c;
        }).ToList();
        var reindexed = changed.Select(r =>
        {
            var c = r.Clone();
            // --indexed-changes: the tracking number, then a consignee's postcode and name corrected, then an MRN.
            c.TrackingNumber += "R";
            if (indexedChanges >= 2)
            {
                c.Consignee.Postcode += "0";
            }

            if (indexedChanges >= 3)
            {
                c.Consignee.Name += " Jr";
            }

            if (indexedChanges >= 4)
            {
                // A lodged declaration: 2 digits, a country, 14 upper-case alphanumerics (IngestValidation.IsMrn).
                c.Mrn = "26FR" + c.ShipmentId.Replace("-", "", StringComparison.Ordinal).PadLeft(14, '0')[^14..];
            }

            return c;
        }).ToList();
        var indexedPass = indexedChanges == 1 ? "update (indexed value changed)" : $"update ({indexedChanges} indexed values changed)";
        return [("insert", records), ("update (changed)", changed), (indexedPass, reindexed), ("re-send (identical)", reindexed)];
    }

    private static async Task<IngestSummary> Send<T>(AsyncClientStreamingCall<T, IngestSummary> call, IEnumerable<T> records)
    {
        foreach (var record in records)
        {
            await call.RequestStream.WriteAsync(record);
        }

        await call.RequestStream.CompleteAsync();
        return await call;
    }

}
