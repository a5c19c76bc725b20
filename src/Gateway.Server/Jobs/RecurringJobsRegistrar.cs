using Hangfire;

namespace Gateway.Server.Jobs;

/// <summary>
/// At start-up, schedules every registered job from configuration (Gateway:Jobs:{name}:Cron, Enabled)
/// and removes disabled ones, so the schedule always reflects the current settings.
/// </summary>
internal sealed partial class RecurringJobsRegistrar(
    IEnumerable<GatewayJob> jobs, IRecurringJobManager manager, IConfiguration configuration, ILogger<RecurringJobsRegistrar> log) : IHostedService, IDisposable
{
    public const string Section = "Gateway:Jobs";

    // A node killed while it held a recurring job's distributed lock (Hangfire takes it each time it
    // schedules the job) leaves the lock row behind until the storage's lock timeout; registration on the
    // restarted node then times out. That must not stop the gateway from serving: the schedule stored by
    // the previous run keeps running, and registration is retried in the background until it succeeds.
    private readonly CancellationTokenSource stopping = new();
    private Task retries = Task.CompletedTask;

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var pending = jobs.GroupBy(j => j.Name).Select(g => g.Last()).Where(job => !TryRegister(job)).ToList();
        if (pending.Count > 0)
        {
            retries = Task.Run(() => RetryAsync(pending, stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task RetryAsync(List<GatewayJob> pending, CancellationToken cancellationToken)
    {
        while (pending.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pending.RemoveAll(TryRegister);
        }
    }

    private bool TryRegister(GatewayJob job)
    {
        var settings = configuration.GetSection($"{Section}:{job.Name}");
        var name = job.Name;
        try
        {
            if (!settings.GetValue("Enabled", true))
            {
                manager.RemoveIfExists(name);
                LogDisabled(name);
                return true;
            }

            var cron = settings["Cron"] is { Length: > 0 } configured ? configured : job.DefaultCron;
            manager.AddOrUpdate<GatewayJobRunner>(name, runner => runner.RunAsync(name, CancellationToken.None), cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            LogScheduled(name, cron);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRegistrationDeferred(e, name, RetryInterval);
            return false;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await retries;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recurring job {Name} could not be registered yet (a stale lock of a stopped node?); retrying every {Interval}")]
    private partial void LogRegistrationDeferred(Exception e, string name, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {Name} scheduled: {Cron} (UTC)")]
    private partial void LogScheduled(string name, string cron);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {Name} is disabled")]
    private partial void LogDisabled(string name);

    public void Dispose() => stopping.Dispose();
}
