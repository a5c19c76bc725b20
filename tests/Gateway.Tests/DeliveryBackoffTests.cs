using Gateway.Server.Leads;

namespace Gateway.Tests;

public sealed class DeliveryBackoffTests
{
    private static readonly DeliveryBackoff Backoff = new(TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), TimeSpan.FromHours(48));
    private static readonly DateTime Start = new(2026, 11, 2, 8, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(7, 1920)]
    [InlineData(8, 3600)]      // 3840 s capped at one hour
    [InlineData(500, 3600)]    // no overflow far out
    public void The_delay_doubles_per_failed_attempt_up_to_the_cap(int failedAttempts, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Backoff.BaseDelay(failedAttempts));

    [Fact]
    public void Jitter_stays_between_half_the_delay_and_the_full_delay()
    {
        var random = new Random(42);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var full = Backoff.BaseDelay(attempt);
            Assert.Equal(full / 2, Backoff.Delay(attempt, 0));
            Assert.Equal(full, Backoff.Delay(attempt, 1));
            var draws = Enumerable.Range(0, 200).Select(_ => Backoff.Delay(attempt, random.NextDouble())).ToList();
            Assert.All(draws, d => Assert.InRange(d, full / 2, full));
            Assert.True(draws.Distinct().Count() > 100, "jitter must spread retries");
        }
    }

    [Fact]
    public void Retries_stop_at_the_end_of_the_window_with_a_last_attempt_on_it()
    {
        var deadline = Start + Backoff.Window;
        Assert.Equal(Start.AddSeconds(30), Backoff.NextAttempt(Start, 1, Start, 1));
        // Close to the end, the next attempt is clamped to the deadline rather than skipped…
        Assert.Equal(deadline, Backoff.NextAttempt(Start, 20, deadline.AddMinutes(-5), 0.5));
        // …and a failure at (or after) the deadline ends the delivery.
        Assert.Null(Backoff.NextAttempt(Start, 21, deadline, 0.5));
        Assert.Null(Backoff.NextAttempt(Start, 21, deadline.AddDays(1), 0.5));
    }

    [Fact]
    public void A_whole_schedule_never_leaves_the_window_and_ends_failed()
    {
        var random = new Random(7);
        var now = Start;
        var attempts = 0;
        DateTime? next = Start;
        while (next is { } at)
        {
            Assert.True(at <= Start + Backoff.Window);
            Assert.True(at >= now);
            now = at;
            attempts++;
            next = Backoff.NextAttempt(Start, attempts, now, random.NextDouble());
        }

        Assert.Equal(Start + Backoff.Window, now);   // the last attempt is at the end of the window
        Assert.InRange(attempts, 48, 110);            // ~8 ramping up, then every 30–60 min for two days
    }
}
