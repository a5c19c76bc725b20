using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Pki;
using static Gateway.Benchmarks.BenchmarkHost;

namespace Gateway.Benchmarks;

/// <summary>
/// `coldstart [--restarts N] [--gateway PATH] [--no-warmup] [--gateway-setting Key=Value]…`: starts the real `gateway` executable (the
/// Release build next to this benchmark) as a child process, first on an empty folder (it creates the
/// dev PKI, the schema and the demo data, as `dotnet run` does on a first run), then N times again on
/// the same folder (the operator's restart: database and certificates exist). For each start it prints
/// the time from process start to: admin health OK, a token obtained over mTLS, the first GetShipment
/// answered — and the gateway's own phases (GATEWAY_STARTUP_TIMINGS=1, Hosting/StartupTimings.cs).
/// A throw-away start on another folder comes first, so this process's own client code is JIT-compiled
/// and does not count against the gateway.
/// </summary>
internal static class ColdStartBenchmark
{
    private static readonly string[] Phases = ["main", "configuration", "dev-pki", "services", "container", "pipeline", "migrations", "database", "listening"];

    public static async Task<int> RunAsync(string[] args)
    {
        var restarts = args.SkipWhile(a => a != "--restarts").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5;
        var settings = args.Select((a, i) => (a, i)).Where(p => p.a == "--gateway-setting" && p.i + 1 < args.Length).Select(p => "--" + args[p.i + 1]).ToArray();
        // `--gateway PATH`: another build of the executable, e.g. a ReadyToRun publish (docs/performance.md).
        var gateway = Path.GetFullPath(args.SkipWhile(a => a != "--gateway").Skip(1).FirstOrDefault() ?? Path.Combine(AppContext.BaseDirectory, "gateway"));
        if (!File.Exists(gateway))
        {
            Console.Error.WriteLine($"{gateway} is missing: build tests/Gateway.Benchmarks -c Release.");
            return 2;
        }

        var warmUp = Directory.CreateTempSubdirectory("gateway-coldstart-warmup-").FullName;
        var work = Directory.CreateTempSubdirectory("gateway-coldstart-").FullName;
        try
        {
            // `--no-warmup`: count this process's own first-call JIT too (as the load harness's figure does).
            if (!args.Contains("--no-warmup"))
            {
                await StartOnceAsync(gateway, warmUp, settings);
            }

            var runs = new List<Run> { await StartOnceAsync(gateway, work, settings) with { Name = "first run (empty folder)" } };
            for (var i = 1; i <= restarts; i++)
            {
                runs.Add(await StartOnceAsync(gateway, work, settings) with { Name = $"restart {i}" });
            }

            Report(gateway, runs, settings);
            return 0;
        }
        finally
        {
            foreach (var folder in new[] { warmUp, work })
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private sealed record Run(string Name, double HealthMs, double TokenMs, double CallMs, Dictionary<string, double> Phases);

    private static async Task<Run> StartOnceAsync(string gateway, string work, string[] settings)
    {
        var pki = Path.Combine(work, "pki");
        int port = FreePort(), adminPort = FreePort();
        var info = new ProcessStartInfo(gateway) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["GATEWAY_STARTUP_TIMINGS"] = "1";
        info.ArgumentList.Add("serve");
        foreach (var argument in DevPkiArguments.For(pki, port, adminPort, "sqlite", $"Data Source={work}/gateway.db").Concat(settings))
        {
            info.ArgumentList.Add(argument);
        }

        var phases = new Dictionary<string, double>(StringComparer.Ordinal);
        var errors = new StringBuilder();
        var started = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            var parts = e.Data.Split(' ');
            if (parts is ["startup-phase", var name, var ms])
            {
                lock (phases)
                {
                    phases[name] = double.Parse(ms, CultureInfo.InvariantCulture);
                }
            }
            else
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Health: plain HTTP on the admin port (loopback), polled every 5 ms.
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) })
            {
                while (true)
                {
                    if (process.HasExited || started.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        throw new InvalidOperationException("The gateway did not become healthy:\n" + errors);
                    }

                    try
                    {
                        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}/healthz"));
                        if (response.IsSuccessStatusCode)
                        {
                            break;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }

                    await Task.Delay(5);
                }
            }

            var health = started.Elapsed.TotalMilliseconds;
            using var connection = GatewayConnection.FromPem(new Uri($"https://localhost:{port}/"),
                Path.Combine(pki, "fr-customs.crt"), Path.Combine(pki, "fr-customs.key"), Path.Combine(pki, "ca.crt"), "fr-customs");
            var token = (await connection.RequestTokenAsync(["shipments:read"])).AccessToken!;
            var tokenMs = started.Elapsed.TotalMilliseconds;
            using var channel = connection.CreateChannel(_ => Task.FromResult<string?>(token));
            var reply = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(new GetShipmentRequest
            {
                Context = new RequestContext { LegalBasis = "EU 608/2013 art. 17", CaseReference = "COLD-1", OfficerId = "bench" },
                TrackingNumber = "LX100000001CN",
            });
            var callMs = started.Elapsed.TotalMilliseconds;
            if (reply.TrackingNumber != "LX100000001CN")
            {
                throw new InvalidOperationException("GetShipment answered with the wrong shipment.");
            }

            lock (phases)
            {
                return new Run("", health, tokenMs, callMs, new Dictionary<string, double>(phases));
            }
        }
        finally
        {
            // SIGTERM: a clean shutdown (the audit writer drains, SQLite closes), as an operator's restart does.
            using (var stop = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await stop.WaitForExitAsync();
            }

            if (!process.WaitForExit(15_000))
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static void Report(string gateway, List<Run> runs, string[] settings)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"cold start of {gateway}{(settings.Length > 0 ? " " + string.Join(' ', settings) : "")}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        sb.AppendLine("ms since process start; in-process phases end at the time shown (GATEWAY_STARTUP_TIMINGS)");
        sb.AppendLine();
        sb.Append("| start |");
        foreach (var phase in Phases)
        {
            sb.Append(' ').Append(phase).Append(" |");
        }

        sb.AppendLine(" health OK | token | **first GetShipment** |");
        sb.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", Phases.Length + 3))).AppendLine();
        foreach (var run in runs)
        {
            Row(sb, run.Name, p => run.Phases.TryGetValue(p, out var v) ? v : double.NaN, run.HealthMs, run.TokenMs, run.CallMs);
        }

        var restarts = runs.Skip(1).ToList();
        if (restarts.Count > 0)
        {
            Row(sb, $"restart median of {restarts.Count}", p => Median(restarts.Select(r => r.Phases.TryGetValue(p, out var v) ? v : double.NaN)),
                Median(restarts.Select(r => r.HealthMs)), Median(restarts.Select(r => r.TokenMs)), Median(restarts.Select(r => r.CallMs)));
        }

        Console.WriteLine(sb.ToString());
    }

    private static void Row(StringBuilder sb, string name, Func<string, double> phase, double health, double token, double call)
    {
        sb.Append("| ").Append(name).Append(" |");
        foreach (var p in Phases)
        {
            var v = phase(p);
            sb.Append(' ').Append(double.IsNaN(v) ? "–" : v.ToString("F0", CultureInfo.InvariantCulture)).Append(" |");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $" {health:F0} | {token:F0} | **{call:F0}** |");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

}
