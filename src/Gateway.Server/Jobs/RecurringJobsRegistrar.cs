using Hangfire;

namespace Gateway.Server.Jobs;

/// <summary>
/// At start-up, schedules every registered job from configuration (Gateway:Jobs:{name}:Cron, Enabled)
/// and removes disabled ones, so the schedule always reflects the current settings.
/// </summary>
internal sealed partial class RecurringJobsRegistrar(
    IEnumerable<GatewayJob> jobs, IRecurringJobManager manager, IConfiguration configuration, ILogger<RecurringJobsRegistrar> log) : IHostedService
{
    public const string Section = "Gateway:Jobs";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in jobs.GroupBy(j => j.Name).Select(g => g.Last()))
        {
            var settings = configuration.GetSection($"{Section}:{job.Name}");
            var name = job.Name;
            if (!settings.GetValue("Enabled", true))
            {
                manager.RemoveIfExists(name);
                LogDisabled(name);
                continue;
            }

            var cron = settings["Cron"] is { Length: > 0 } configured ? configured : job.DefaultCron;
            manager.AddOrUpdate<GatewayJobRunner>(name, runner => runner.RunAsync(name, CancellationToken.None), cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            LogScheduled(name, cron);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {Name} scheduled: {Cron} (UTC)")]
    private partial void LogScheduled(string name, string cron);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {Name} is disabled")]
    private partial void LogDisabled(string name);
}
