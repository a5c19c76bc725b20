namespace Gateway.Server.Seizures;

/// <summary>
/// Working-day arithmetic for procedural deadlines: Saturdays, Sundays and the country's configured
/// public holidays are not working days. Pure, so it is unit-tested on its own.
/// </summary>
internal static class WorkingDays
{
    /// <summary>Working days the right holder has to respond after a detention (EU 608/2013 art. 23(1)).</summary>
    public const int HolderResponseDays = 10;

    public static bool IsWorkingDay(DateOnly date, IReadOnlySet<DateOnly> holidays) =>
        date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !holidays.Contains(date);

    /// <summary>
    /// The date <paramref name="days"/> working days after <paramref name="start"/>. Counting starts on the
    /// day after <paramref name="start"/>, so a detention on a weekend or holiday is counted from the
    /// next working day just like one on a Friday evening.
    /// </summary>
    public static DateOnly Add(DateOnly start, int days, IReadOnlySet<DateOnly> holidays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var date = start;
        for (var remaining = days; remaining > 0;)
        {
            date = date.AddDays(1);
            if (IsWorkingDay(date, holidays))
            {
                remaining--;
            }
        }

        return date;
    }

    /// <summary>
    /// The holder's response deadline: the same time of day (UTC) as the detention, on the tenth working
    /// day after the detention's (UTC) date.
    /// </summary>
    public static DateTime HolderResponseDue(DateTime detainedAtUtc, IReadOnlySet<DateOnly> holidays)
    {
        var due = Add(DateOnly.FromDateTime(detainedAtUtc), HolderResponseDays, holidays);
        return DateTime.SpecifyKind(due.ToDateTime(TimeOnly.FromDateTime(detainedAtUtc)), DateTimeKind.Utc);
    }
}
