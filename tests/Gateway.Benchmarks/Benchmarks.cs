namespace Gateway.Benchmarks;

/// <summary>Name → entry point. Add one line per benchmark file.</summary>
internal static class Benchmarks
{
    public static readonly Dictionary<string, Func<string[], Task<int>>> All = new(StringComparer.Ordinal)
    {
        ["baseline-server"] = BaselineServer.RunAsync,
        ["load"] = LoadHarness.RunAsync,
        ["gateway-server"] = GatewayServerProcess.RunAsync,
        ["audit"] = AuditBenchmark.RunAsync,
        ["scoring"] = ScoringBenchmark.RunAsync,
        ["ingest"] = IngestBenchmark.RunAsync,
        ["export"] = ExportBenchmark.RunAsync,
        ["coldstart"] = ColdStartBenchmark.RunAsync,
        ["targets"] = TargetsBenchmark.RunAsync,
    };
}
