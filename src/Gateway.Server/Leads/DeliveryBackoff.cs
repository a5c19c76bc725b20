namespace Gateway.Server.Leads;

/// <summary>
/// When to try a failed delivery again: exponential back-off (initial · 2^(n−1), capped) with "equal
/// jitter" — a uniform draw in [delay/2, delay] — so that many deliveries failing together (a receiver
/// outage) do not all come back in the same second, yet none is retried sooner than half its schedule.
/// Retries stop at the end of the retry window, counted from when the delivery first became due; the
/// last attempt is made at the very end of the window.
/// </summary>
internal sealed record DeliveryBackoff(TimeSpan Initial, TimeSpan Max, TimeSpan Window)
{
    /// <summary>The delay after the <paramref name="failedAttempts"/>-th failed attempt, before jitter.</summary>
    public TimeSpan BaseDelay(int failedAttempts)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 40);
        var ticks = Initial.Ticks * Math.Pow(2, exponent);
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    /// <param name="random01">A uniform draw in [0, 1).</param>
    public TimeSpan Delay(int failedAttempts, double random01)
    {
        var delay = BaseDelay(failedAttempts);
        var half = delay / 2;
        return half + (delay - half) * Math.Clamp(random01, 0, 1);
    }

    /// <returns>When to try again, or null when the window is over and the delivery has failed.</returns>
    public DateTime? NextAttempt(DateTime firstDueAt, int failedAttempts, DateTime now, double random01)
    {
        var deadline = firstDueAt + Window;
        if (now >= deadline)
        {
            return null;
        }

        var next = now + Delay(failedAttempts, random01);
        return next < deadline ? next : deadline;
    }
}
