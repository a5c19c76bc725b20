namespace Gateway.Benchmarks;

/// <summary>`gateway-server [gateway arguments]`: the real gateway in its own process, so the harness can measure its CPU and memory.</summary>
internal static class GatewayServerProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        await using var app = GatewayApp.Build(args, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await Gateway.Server.Admin.Bootstrap.PrepareDatabaseAsync(app);
        await app.RunAsync();
        return 0;
    }
}
