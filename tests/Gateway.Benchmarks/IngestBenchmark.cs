using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Admin;
using Gateway.Server.Pki;
using Gateway.Server.Seed;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using static Gateway.Benchmarks.BenchmarkHost;

namespace Gateway.Benchmarks;

/// <summary>
/// Ingest throughput through the real gRPC IngestService: a gateway on loopback with mutual TLS and
/// a fresh SQLite file, the platform client streaming synthetic shipments.
/// `ingest [--shipments N] [--sellers N] [--streams K]` — K concurrent UpsertShipments streams.
/// </summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var shipments = Option(args, "--shipments", 100_000);
        var sellerCount = Option(args, "--sellers", 2000);
        var streams = Option(args, "--streams", 1);
        var root = Path.Combine(Path.GetTempPath(), "gateway-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var pki = Path.Combine(root, "pki");
        DevPki.Create(pki);
        var port = FreePort();
        string[] settings =
        [
            .. DevPkiArguments.For(pki, port, FreePort(), "sqlite", $"Data Source={root}/gateway.db"),
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
            var market = new SyntheticMarketplace(seed: 1, sellerCount);
            var records = market.Shipments(shipments).ToList();
            using var platform = GatewayConnection.FromPem(new Uri($"https://localhost:{port}/"),
                Path.Combine(pki, "platform.crt"), Path.Combine(pki, "platform.key"), Path.Combine(pki, "ca.crt"), "platform");
            using var channel = platform.CreateChannel();
            var client = new IngestService.IngestServiceClient(channel);
            await Send(client.UpsertSellers(), market.Sellers.Select(s => s.Seller));
            await Send(client.UpsertListings(), market.Listings.Select(l => l.Listing));

            // A real update changes something (the carrier and the first goods line); a re-send of an
            // identical record is recognised and costs no write.
            var changed = records.Select(r =>
            {
                var c = r.Clone();
                c.Carrier += " (rerouted)";
                c.Goods[0].Description += " (corrected)";
                return c;
            }).ToList();
            foreach (var (pass, data) in new[] { ("insert", records), ("update (changed)", changed), ("re-send (identical)", changed) })
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var slices = Enumerable.Range(0, streams).Select(k => data.Where((_, i) => i % streams == k)).ToList();
                var summaries = await Task.WhenAll(slices.Select(slice => Send(client.UpsertShipments(), slice)));
                var seconds = clock.Elapsed.TotalSeconds;
                process.Refresh();
                var cpuMicros = (process.TotalProcessorTime - cpu).TotalMicroseconds / shipments;
                var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
                var inserted = summaries.Sum(s => s.Inserted);
                var updated = summaries.Sum(s => s.Updated);
                var rejected = summaries.Sum(s => s.Rejected);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ingest {pass}: {shipments} shipments over {streams} stream(s) in {seconds:F1} s = {shipments / seconds:F0} shipments/s, {cpuMicros:F1} µs CPU per shipment (client + server, one process), load {load} (inserted {inserted}, updated {updated}, rejected {rejected})"));
            }

            return 0;
        }
        finally
        {
            await app.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
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
