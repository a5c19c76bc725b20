using System.Diagnostics;
using Gateway.Server.Telemetry;
using Hangfire;

namespace Gateway.Server.Jobs;

/// <summary>
/// What Hangfire invokes for every recurring job: it stores only the job's name, so the job table
/// survives refactoring of the job classes, and resolves the registered delegate at run time.
/// </summary>
internal sealed partial class GatewayJobRunner(IEnumerable<GatewayJob> jobs, IServiceProvider services, ILogger<GatewayJobRunner> log)
{
    // No Hangfire retries: the next occurrence is the retry, and each job's schedule of pending work
    // (e.g. delivery back-off) lives in the gateway's tables rather than in Hangfire.
    [AutomaticRetry(Attempts = 0, LogEvents = true)]
    [JobDisplayName("{0}")]
    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var job = jobs.LastOrDefault(j => j.Name == name);
        if (job is null)
        {
            // A job id left in Hangfire's storage by a build that had it: nothing to run.
            LogUnknownJob(name);
            return;
        }

        // Outcome metrics (and a span) per run: Hangfire's own history is in memory on SQLite and lost on restart.
        using var activity = GatewayMetrics.Activities.StartActivity("job " + name);
        var started = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            await job.Run(services, cancellationToken);
            outcome = "succeeded";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            var tags = new TagList { { "job", name }, { "outcome", outcome } };
            GatewayMetrics.JobRuns.Add(1, tags);
            GatewayMetrics.JobDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            activity?.SetTag("outcome", outcome);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recurring job {Name} is not registered in this build; skipped")]
    private partial void LogUnknownJob(string name);
}
