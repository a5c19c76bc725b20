using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Benchmarks;

/// <summary>
/// `targets [--requests N] [--export-shipments N] [--ingest-shipments N]`: issue #8's targets in one run, one
/// after another on the same machine: the load harness (audited GetShipment against the bare baseline, p99,
/// peak RSS, cold start), the export, the scoring engine and the ingest, each in its own process as when run
/// alone. Their output is shown as it comes, then one table: each target, the figure this run measured, and
/// whether it is met. The figures are read from the benchmarks' own output lines, so a benchmark whose
/// output changes makes this fail rather than guess.
/// </summary>
internal static partial class TargetsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var requests = BenchmarkHost.Option(args, "--requests", 200_000);
        var exportShipments = BenchmarkHost.Option(args, "--export-shipments", 300_000);
        var ingestShipments = BenchmarkHost.Option(args, "--ingest-shipments", 100_000);
        var started = Stopwatch.StartNew();

        var load = await RunChildAsync("load", "--requests", Invariant(requests));
        var export = await RunChildAsync("export", "--shipments", Invariant(exportShipments), "--rounds", "5");
        var scoring = await RunChildAsync("scoring");
        // The bulk path (UpsertShipmentBatches, 1,000 shipments a message), then one shipment a message (UpsertShipments).
        var ingest = await RunChildAsync("ingest", "--shipments", Invariant(ingestShipments), "--per-message", "1000");
        var ingestSingly = await RunChildAsync("ingest", "--shipments", Invariant(ingestShipments), "--per-message", "1");

        var ratio = Number(load, RatioLine());
        var p99 = Number(load, P99Line());
        var rss = Number(load, RssLine());
        var coldStart = Number(load, ColdStartLine());
        // The median of each agency's measured rounds; the export benchmark warms the gateway up before them.
        var de = Median(Numbers(export, ExportLine("de-customs")));
        var fr = Median(Numbers(export, ExportLine("fr-customs")));
        var engine = Number(scoring, EngineLine());
        var inserted = Number(ingest, IngestLine("insert"));
        var changed = Number(ingest, IngestLine("update \\(changed\\)"));
        var reindexed = Number(ingest, IngestLine("update \\(indexed value changed\\)"));
        var insertedSingly = Number(ingestSingly, IngestLine("insert"));
        var changedSingly = Number(ingestSingly, IngestLine("update \\(changed\\)"));
        var reindexedSingly = Number(ingestSingly, IngestLine("update \\(indexed value changed\\)"));

        string Row(string target, string figure, bool met) => $"| {target} | {figure} | {(met ? "met" : "missed")} |";
        Console.WriteLine();
        Console.WriteLine(Invariant($"## Issue #8's targets, one run ({started.Elapsed.TotalMinutes:F1} min, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})"));
        Console.WriteLine();
        Console.WriteLine("| target | this run | status |");
        Console.WriteLine("|---|---:|---|");
        Console.WriteLine(Row("audited GetShipment ≥ 50 % of the bare baseline's calls/s", Invariant($"{ratio:F0} %"), ratio >= 50));
        Console.WriteLine(Row("audited GetShipment p99 ≤ 5 ms at 50 in flight (worst run)", Invariant($"{p99:F2} ms"), p99 <= 5));
        Console.WriteLine(Row("ExportShipments ≥ 250k records/s, de-customs (core; median of 5 rounds after the warm-up)", Invariant($"{de:N0}"), de >= 250_000));
        Console.WriteLine(Row("ExportShipments ≥ 250k records/s, fr-customs (core, parties, listings; median of 5 rounds after the warm-up)", Invariant($"{fr:N0}"), fr >= 250_000));
        Console.WriteLine(Row("scoring ≥ 250k shipments/s on one core (engine)", Invariant($"{engine:N0}"), engine >= 250_000));
        Console.WriteLine(Row("ingest ≥ 50k shipments/s into SQLite, new (1,000 a message)", Invariant($"{inserted:N0}"), inserted >= 50_000));
        Console.WriteLine(Row("ingest ≥ 50k shipments/s into SQLite, changed: carrier, a goods line (1,000 a message)", Invariant($"{changed:N0}"), changed >= 50_000));
        Console.WriteLine(Row("ingest ≥ 50k shipments/s into SQLite, changed: also an indexed value (1,000 a message)", Invariant($"{reindexed:N0}"), reindexed >= 50_000));
        Console.WriteLine(Row("ingest ≥ 50k shipments/s into SQLite, new (one a message)", Invariant($"{insertedSingly:N0}"), insertedSingly >= 50_000));
        Console.WriteLine(Row("ingest ≥ 50k shipments/s into SQLite, changed: carrier, a goods line (one a message)", Invariant($"{changedSingly:N0}"), changedSingly >= 50_000));
        Console.WriteLine(Row("ingest ≥ 50k shipments/s into SQLite, changed: also an indexed value (one a message)", Invariant($"{reindexedSingly:N0}"), reindexedSingly >= 50_000));
        Console.WriteLine(Row("server peak RSS ≤ 300 MB under the GetShipment load", Invariant($"{rss:F0} MB"), rss <= 300));
        Console.WriteLine(Row("cold start to the first served call ≤ 2 s", Invariant($"{coldStart:F2} s"), coldStart <= 2));
        return 0;
    }

    /// <summary>This executable again, running one benchmark; its output is shown line by line and returned.</summary>
    private static async Task<IReadOnlyList<string>> RunChildAsync(string benchmark, params string[] arguments)
    {
        Console.WriteLine($"# {benchmark} {string.Join(' ', arguments)}");
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(TargetsBenchmark).Assembly.Location);
        }

        info.ArgumentList.Add(benchmark);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            Console.WriteLine(line);
            lines.Add(line);
        }

        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? lines
            : throw new InvalidOperationException($"The {benchmark} benchmark failed (exit code {process.ExitCode}).");
    }

    private static double Number(IReadOnlyList<string> output, Regex line) => Numbers(output, line).Single();

    private static List<double> Numbers(IReadOnlyList<string> output, Regex line)
    {
        var found = output.Select(l => line.Match(l)).Where(m => m.Success)
            .Select(m => double.Parse(m.Groups["n"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList();
        return found.Count > 0 ? found : throw new InvalidOperationException($"No line of the benchmark's output matches {line}.");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0
            ? throw new InvalidOperationException("No rounds after the first.")
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Invariant(FormattableString value) => FormattableString.Invariant(value);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"gateway / baseline calls/s: \*\*(?<n>[0-9.]+) %\*\*")]
    private static partial Regex RatioLine();

    [GeneratedRegex(@"gateway p99: \*\*(?<n>[0-9.]+) ms\*\*")]
    private static partial Regex P99Line();

    [GeneratedRegex(@"server peak RSS: gateway (?<n>[0-9.]+) MB")]
    private static partial Regex RssLine();

    [GeneratedRegex(@"cold start to first served call .*: (?<n>[0-9.]+) s$")]
    private static partial Regex ColdStartLine();

    private static Regex ExportLine(string agency) => new($@"^round \d+ {agency} .* = (?<n>[0-9,]+) records/s", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"^Engine, 1 thread: (?<n>[0-9,]+) shipments/s")]
    private static partial Regex EngineLine();

    private static Regex IngestLine(string pass) => new($@"^ingest {pass}: .* = (?<n>[0-9]+) shipments/s", RegexOptions.CultureInvariant);
}
