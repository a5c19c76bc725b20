using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Seizures;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Enforcement;

/// <summary>One row of `enforcement_events`.</summary>
internal sealed class EnforcementEventRow
{
    public long EventSeq { get; init; }
    public string SellerId { get; init; } = "";
    public string Kind { get; init; } = "";
    public string SeizureId { get; init; } = "";
    public string AgencyId { get; init; } = "";
    public DateTime OccurredAt { get; init; }
    public string Detail { get; init; } = "";
}

/// <summary>What a confirmation did to the seller.</summary>
internal sealed record StrikeOutcome(int StrikesIn12Months, bool ExclusionRecommended);

/// <summary>
/// Strikes and the marketplace's enforcement feed. Writes run inside the caller's transaction (the
/// status change that caused them), so a confirmation and its consequences commit together or not at all.
/// </summary>
internal sealed class EnforcementEvents(Database database, IOptions<SeizureOptions> options)
{
    public static readonly string StrikeRecorded = ContractNames<EnforcementEventKind>.Name(EnforcementEventKind.StrikeRecorded);
    public static readonly string HoldPayouts = ContractNames<EnforcementEventKind>.Name(EnforcementEventKind.HoldPayouts);
    public static readonly string ExclusionRecommended = ContractNames<EnforcementEventKind>.Name(EnforcementEventKind.ExclusionRecommended);

    /// <summary>Strikes count over the rolling 12 months before <paramref name="nowUtc"/>.</summary>
    public static DateTime WindowStart(DateTime nowUtc) => nowUtc.AddMonths(-12);

    /// <summary>Portable count of a seller's strikes in the rolling window (also what strikes_12m shows).</summary>
    public const string CountStrikesSql = """
        SELECT COUNT(*) FROM seller_strikes WHERE seller_id = @sellerId AND recorded_at > @since
        """;

    /// <summary>
    /// A confirmed counterfeit: one strike (keyed by the seizure, so it can never be recorded twice),
    /// STRIKE_RECORDED and HOLD_PAYOUTS, and EXCLUSION_RECOMMENDED when this strike brings the seller's
    /// rolling count up to the threshold (once per crossing, not again for each strike beyond it).
    /// </summary>
    public async Task<StrikeOutcome> RecordConfirmedCounterfeitAsync(
        DbConnection connection, DbTransaction transaction, SeizureRow seizure, DateTime nowUtc, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO seller_strikes (seizure_id, seller_id, agency_id, recorded_at)
            VALUES (@SeizureId, @SellerId, @AgencyId, @now)
            """, new { seizure.SeizureId, seizure.SellerId, seizure.AgencyId, now = nowUtc }, transaction, cancellationToken: cancellationToken));

        var strikes = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            CountStrikesSql, new { sellerId = seizure.SellerId, since = WindowStart(nowUtc) }, transaction, cancellationToken: cancellationToken));
        var threshold = options.Value.ExclusionStrikeThreshold;
        var exclusion = strikes == threshold;

        var plural = strikes == 1 ? "strike" : "strikes";
        var events = new List<(string Kind, string Detail)>
        {
            (StrikeRecorded, $"{strikes} {plural} in 12 months (counterfeit confirmed by {seizure.AgencyId})"),
            (HoldPayouts, $"Counterfeit confirmed by {seizure.AgencyId}; hold payouts pending review"),
        };
        if (exclusion)
        {
            events.Add((ExclusionRecommended, $"{strikes} strikes in 12 months (threshold {threshold})"));
        }

        // The cursor is MAX + 1 inside the write transaction. SQLite has one writer at a time, so
        // sequence order is commit order and a reader never sees seq n+1 before n. PostgreSQL / SQL
        // Server need the same guarantee explicitly (a lock on enforcement_events, e.g. LOCK TABLE …
        // IN EXCLUSIVE MODE or an advisory lock, held to commit): a plain sequence would let a later
        // number commit first, and a reader that already moved past it would never see the earlier one.
        var next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(MAX(event_seq), 0) + 1 FROM enforcement_events", transaction: transaction, cancellationToken: cancellationToken));
        var rows = events.Select((e, i) => new EnforcementEventRow
        {
            EventSeq = next + i,
            SellerId = seizure.SellerId,
            Kind = e.Kind,
            SeizureId = seizure.SeizureId,
            AgencyId = seizure.AgencyId,
            OccurredAt = nowUtc,
            Detail = e.Detail,
        }).ToList();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO enforcement_events (event_seq, seller_id, kind, seizure_id, agency_id, occurred_at, detail)
            VALUES (@EventSeq, @SellerId, @Kind, @SeizureId, @AgencyId, @OccurredAt, @Detail)
            """, rows, transaction, cancellationToken: cancellationToken));
        return new StrikeOutcome(strikes, exclusion);
    }

    /// <summary>Events after <paramref name="afterSeq"/>, oldest first.</summary>
    public async Task<IReadOnlyList<EnforcementEventRow>> ListAsync(long afterSeq, int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EnforcementEventRow>(new CommandDefinition($"""
            SELECT event_seq, seller_id, kind, seizure_id, agency_id, occurred_at, detail
            FROM enforcement_events
            WHERE event_seq > @afterSeq
            ORDER BY event_seq
            {database.Dialect.Limit("@max")}
            """, new { afterSeq, max }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
