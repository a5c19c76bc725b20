using Gateway.Server.Jobs;

namespace Gateway.Server.Risk;

internal static class RiskSetup
{
    /// <summary>The risk engine's options and the score-shipments job (scheduled by the jobs feature).</summary>
    public static IServiceCollection AddRisk(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RiskOptions>(configuration.GetSection(RiskOptions.Section));
        services.AddSingleton<ScoreShipmentsJob>();
        // Recurring (Gateway:Jobs:score-shipments:Cron); a run scores everything past the watermark.
        services.AddGatewayJob(ScoreShipmentsJob.JobName, "* * * * *", (sp, ct) => sp.GetRequiredService<ScoreShipmentsJob>().RunAsync(ct));
        return services;
    }
}
