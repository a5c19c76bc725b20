using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Admin;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Gateway.Server.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Gateway.Benchmarks.BenchmarkHost;

namespace Gateway.Benchmarks;

/// <summary>
/// `audit [--seconds 10] [--callers 64] [--rounds 2] [--only on|off]`: GetShipment throughput with auditing on and off,
/// each over real mTLS with real tokens against an in-process gateway (fresh temp folder, dev PKI,
/// SQLite file, free ports). Rounds alternate the order (off/on, on/off) so drift and warm-up hit both alike.
/// With auditing on it also checks that sequences are unique and contiguous and that the chain verifies.
/// </summary>
internal static class AuditBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 10);
        var callers = Option(args, "--callers", 64);
        var rounds = Option(args, "--rounds", 2);
        // `--only on|off`: one configuration for `--seconds`, nothing else — to attach a profiler to.
        var only = Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length ? args[o + 1] : null;
        if (only is not null)
        {
            Console.WriteLine($"pid {Environment.ProcessId}");
            var (rate, onlyVerified) = await RunOnceAsync(audited: only == "on", seconds, callers);
            Console.WriteLine(FormattableString.Invariant($"audit {only}: {rate:F0} calls/s"));
            return onlyVerified ? 0 : 1;
        }

        double off = 0, on = 0;
        var ok = true;
        // One unmeasured round first: the very first run in the process pays JIT and cold caches, which
        // made the first measured round swing either way (up to 224 %).
        _ = await RunOnceAsync(audited: false, seconds, callers);
        _ = await RunOnceAsync(audited: true, seconds, callers);
        for (var round = 1; round <= rounds; round++)
        {
            // Alternate which goes first: the first run of a round pays more JIT and warm-up.
            double rateOff, rateOn;
            bool verified;
            if (round % 2 == 1)
            {
                (rateOff, _) = await RunOnceAsync(audited: false, seconds, callers);
                (rateOn, verified) = await RunOnceAsync(audited: true, seconds, callers);
            }
            else
            {
                (rateOn, verified) = await RunOnceAsync(audited: true, seconds, callers);
                (rateOff, _) = await RunOnceAsync(audited: false, seconds, callers);
            }

            Console.WriteLine(FormattableString.Invariant($"round {round}: audit off {rateOff:F0} calls/s, audit on {rateOn:F0} calls/s, ratio {rateOn / rateOff:P1}"));
            off += rateOff;
            on += rateOn;
            ok &= verified;
        }

        off /= rounds;
        on /= rounds;
        Console.WriteLine(FormattableString.Invariant($"mean: audit off {off:F0} calls/s, audit on {on:F0} calls/s, audited/unaudited = {on / off:P1} (cost {1 - on / off:P1}); chain {(ok ? "verified, sequences unique" : "FAILED")}"));
        return ok ? 0 : 1;
    }

    private static async Task<(double Rate, bool Verified)> RunOnceAsync(bool audited, int seconds, int callers)
    {
        var root = Path.Combine(Path.GetTempPath(), "gateway-bench-" + Guid.NewGuid().ToString("N")[..12]);
        var pki = Path.Combine(root, "pki");
        DevPki.Create(pki);
        var port = FreePort();
        string[] settings =
        [
            .. DevPkiArguments.For(pki, port, FreePort(), "sqlite", $"Data Source={root}/gateway.db"),
            // 64 callers of one agency at full speed: per-agency limits out of the way.
            "--Gateway:Limits:Burst=100000000", "--Gateway:Limits:CallsPerPeriod=100000000", "--Gateway:Limits:MaxConcurrentCalls=100000",
            $"--Gateway:Audit:Enabled={audited}",
        ];
        var app = GatewayApp.Build(settings, builder => builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddConsole());
        try
        {
            await app.PrepareDatabaseAsync();
            await app.StartAsync();

            using var connection = GatewayConnection.FromPem(new Uri($"https://localhost:{port}/"),
                Path.Combine(pki, "fr-customs.crt"), Path.Combine(pki, "fr-customs.key"), Path.Combine(pki, "ca.crt"), "fr-customs");
            var token = (await connection.RequestTokenAsync()).AccessToken;
            using var channel = connection.CreateChannel(_ => Task.FromResult(token));
            var client = new ShipmentService.ShipmentServiceClient(channel);
            var request = new GetShipmentRequest
            {
                Context = new RequestContext { LegalBasis = "EU 608/2013 art. 17", CaseReference = "BENCH-1", OfficerId = "bench" },
                TrackingNumber = "LX100000001CN",
            };

            // Warm-up: connections, JIT, pools.
            await Drive(client, request, callers, TimeSpan.FromSeconds(2));
            var store = app.Services.GetRequiredService<AuditStore>();
            var before = audited ? (await store.ReadHeadAsync()).Sequence : 0;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var (allocBefore, pauseBefore, gen0Before) = (GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(0));
            var stopwatch = Stopwatch.StartNew();
            var calls = await Drive(client, request, callers, TimeSpan.FromSeconds(seconds));
            var rate = calls / stopwatch.Elapsed.TotalSeconds;
            // Client and server share the process: this is the whole call's CPU, both ends.
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            // Garbage, both ends: every pause stops all calls in flight, so it shows in the tail as well as the rate.
            var pauses = GC.GetTotalPauseDuration() - pauseBefore;
            Console.WriteLine(FormattableString.Invariant(
                $"  gc: {(GC.GetTotalAllocatedBytes() - allocBefore) / (double)calls:F0} B allocated per call (client + server), {GC.CollectionCount(0) - gen0Before} gen0 collections, paused {pauses.TotalMilliseconds:F0} ms ({pauses.TotalSeconds / seconds:P1} of the run)"));
            Console.WriteLine(FormattableString.Invariant(
                $"  audit {(audited ? "on" : "off")}: {calls} calls, {rate:F0} calls/s, {cpu.TotalMicroseconds / calls:F0} µs CPU per call (client + server), CPU busy {cpu.TotalSeconds / stopwatch.Elapsed.TotalSeconds / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores"));

            var verified = true;
            if (audited)
            {
                var records = await store.QueryAsync(before, null, null, null, null, int.MaxValue, CancellationToken.None);
                var sequences = records.Select(r => r.Sequence).ToList();
                var unique = sequences.Distinct().Count() == sequences.Count;
                var contiguous = sequences.Count == 0 || sequences[^1] - sequences[0] + 1 == sequences.Count;
                var result = await AuditVerifier.VerifyAsync(app.Services.GetRequiredService<Database>(),
                    AuditKeys.PublicKeys(Path.Combine(pki, "token-signing.crt")), CancellationToken.None);
                verified = unique && contiguous && result.Ok && records.Count == calls;
                Console.WriteLine(FormattableString.Invariant(
                    $"  audited: {records.Count} records for {calls} calls, unique {unique}, contiguous {contiguous}, chain {(result.Ok ? "verified" : "BROKEN at " + result.FirstBadSequence)} ({result.RecordsChecked} records)"));
            }

            return (rate, verified);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<long> Drive(ShipmentService.ShipmentServiceClient client, GetShipmentRequest request, int callers, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            long n = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                await client.GetShipmentAsync(request);
                n++;
            }

            return n;
        }));
        return counts.Sum();
    }

}
