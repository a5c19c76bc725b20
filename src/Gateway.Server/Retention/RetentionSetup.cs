using Gateway.Server.Jobs;

namespace Gateway.Server.Retention;

internal static class RetentionSetup
{
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RetentionOptions>(configuration.GetSection(RetentionOptions.Section));
        services.AddSingleton<RetentionJob>();
        // Daily, off-peak; the schedule is Gateway:Jobs:retention:Cron.
        services.AddGatewayJob(RetentionJob.JobName, "30 3 * * *", (sp, ct) => sp.GetRequiredService<RetentionJob>().RunAsync(ct));
        return services;
    }
}
