using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Limits;

/// <summary>
/// One token bucket and one concurrency gate per agency: an agency that floods the gateway (a
/// runaway script, a stolen certificate) exhausts its own allowance, never another agency's.
/// </summary>
internal sealed class AgencyLimiter(IOptions<LimitsOptions> options) : IDisposable
{
    private readonly LimitsOptions limits = options.Value;
    private readonly ConcurrentDictionary<string, (TokenBucketRateLimiter Rate, ConcurrencyLimiter Concurrency)> byAgency = new(StringComparer.Ordinal);

    /// <summary>
    /// A lease covering the whole call, or the reason it is refused and when to retry. The rate permit
    /// is spent even when the concurrency gate then refuses: a client hammering a full gate still pays.
    /// </summary>
    public (IDisposable? Lease, string? Refusal, TimeSpan RetryAfter) TryAcquire(string agencyId)
    {
        var (rate, concurrency) = byAgency.GetOrAdd(agencyId, _ => Create());
        using var permit = rate.AttemptAcquire();
        if (!permit.IsAcquired)
        {
            var retry = permit.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : limits.ReplenishmentPeriod;
            return (null, "RATE_LIMITED", retry);
        }

        var lease = concurrency.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            // No way to know when a call ends; a short, jittered pause is the useful hint.
            return (null, "TOO_MANY_CONCURRENT_CALLS", TimeSpan.FromMilliseconds(100 + Random.Shared.Next(100)));
        }

        return (lease, null, TimeSpan.Zero);
    }

    /// <summary>Calls of the agency in flight now (for tests and diagnostics).</summary>
    public long InFlight(string agencyId) =>
        byAgency.TryGetValue(agencyId, out var limiters) ? limits.MaxConcurrentCalls - limiters.Concurrency.GetStatistics()!.CurrentAvailablePermits : 0;

    private (TokenBucketRateLimiter, ConcurrencyLimiter) Create() =>
    (
        new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = limits.CallsPerPeriod,
            ReplenishmentPeriod = limits.ReplenishmentPeriod,
            AutoReplenishment = true,
            QueueLimit = 0,
        }),
        new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.MaxConcurrentCalls, QueueLimit = 0 })
    );

    public void Dispose()
    {
        foreach (var (rate, concurrency) in byAgency.Values)
        {
            rate.Dispose();
            concurrency.Dispose();
        }
    }
}
