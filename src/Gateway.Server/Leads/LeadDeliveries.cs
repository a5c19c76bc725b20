using Dapper;
using Gateway.Server.Data;

namespace Gateway.Server.Leads;

/// <summary>
/// The delivery outbox (`lead_deliveries`). A row is created for every PENDING lead of an agency with
/// a receiver that has none yet — whoever inserted the lead (the risk engine's scoring job, CreateLead)
/// — so there is a single delivery path and a lead written by any feature is picked up by the next run.
/// </summary>
internal sealed class LeadDeliveries(Database database)
{
    public Task<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    /// <summary>Creates outbox rows for the agency's PENDING leads that have none. Idempotent.</summary>
    /// <remarks>
    /// On a multi-node database two runs may race here; the primary key makes the loser fail its
    /// statement (its job run ends, the next one finds nothing left to enrol) rather than duplicate a row.
    /// </remarks>
    public async Task<int> EnrolAsync(string agencyId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO lead_deliveries (lead_id, agency_id, status, attempts, next_attempt_at, created_at, updated_at)
            SELECT l.lead_id, l.agency_id, 'PENDING', 0, @now, @now, @now
            FROM leads l
            WHERE l.agency_id = @agencyId AND l.status = 'PENDING'
              AND NOT EXISTS (SELECT 1 FROM lead_deliveries d WHERE d.lead_id = l.lead_id)
            """, new { agencyId, now }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Claims up to <paramref name="take"/> due deliveries of one agency for <paramref name="claimToken"/>
    /// until <paramref name="claimedUntil"/>, and returns them. The UPDATE re-checks that each row is
    /// still unclaimed, so two workers never own the same row; the dialect's hints make a second node
    /// skip rows being claimed instead of waiting for them.
    /// </summary>
    public async Task<IReadOnlyList<DueDelivery>> ClaimAsync(
        string agencyId, int take, string claimToken, DateTime now, DateTime claimedUntil, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE lead_deliveries
            SET claim_token = @claimToken, claimed_until = @claimedUntil, updated_at = @now
            WHERE lead_id IN (
                SELECT d.lead_id FROM lead_deliveries d {dialect.ClaimTableHint}
                WHERE d.agency_id = @agencyId AND d.status = 'PENDING' AND d.next_attempt_at <= @now
                  AND (d.claimed_until IS NULL OR d.claimed_until <= @now)
                ORDER BY d.next_attempt_at, d.lead_id
                {dialect.Limit("@take")}
                {dialect.ClaimSuffix})
              AND status = 'PENDING' AND (claimed_until IS NULL OR claimed_until <= @now)
            """, new { agencyId, take, claimToken, now, claimedUntil }, transaction, cancellationToken: cancellationToken));
        var claimed = await connection.QueryAsync<DueDelivery>(new CommandDefinition("""
            SELECT lead_id, attempts, created_at FROM lead_deliveries
            WHERE claim_token = @claimToken
            ORDER BY next_attempt_at, lead_id
            """, new { claimToken }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return [.. claimed];
    }

    /// <summary>Loads the claimed leads; a lead settled meanwhile (pulled, acknowledged) is released and skipped.</summary>
    public async Task<List<LeadRow>> ClaimedLeadsAsync(string claimToken, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<LeadRow>(new CommandDefinition("""
            SELECT l.lead_id, l.agency_id, l.dedup_key, l.source, l.seller_id, l.score, l.reasons, l.narrative,
                   l.investigator_id, l.status, l.disposition, l.disposition_note, l.created_at, l.updated_at
            FROM lead_deliveries d JOIN leads l ON l.lead_id = d.lead_id
            WHERE d.claim_token = @claimToken
            ORDER BY d.next_attempt_at, d.lead_id
            """, new { claimToken }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>The receiver accepted these: delivery and lead are DELIVERED (an acknowledged lead keeps its state).</summary>
    public async Task MarkDeliveredAsync(string claimToken, IReadOnlyCollection<string> leadIds, DateTime now, CancellationToken cancellationToken)
    {
        if (leadIds.Count == 0)
        {
            return;
        }

        var ids = leadIds.ToArray();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE lead_deliveries
            SET status = 'DELIVERED', attempts = attempts + 1, delivered_at = @now, last_error = NULL,
                claim_token = NULL, claimed_until = NULL, updated_at = @now
            WHERE {database.Dialect.In("lead_id", "@ids")} AND claim_token = @claimToken
            """, new { ids, claimToken, now }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE leads SET status = 'DELIVERED', updated_at = @now WHERE {database.Dialect.In("lead_id", "@ids")} AND status IN ('PENDING', 'FAILED')",
            new { ids, now }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Not accepted: try again at <paramref name="nextAttemptAt"/>, or, when null, give up (FAILED; the lead stays pullable).</summary>
    public async Task RescheduleAsync(
        string claimToken, IReadOnlyList<(string LeadId, DateTime? NextAttemptAt)> outcomes, string error, DateTime now, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        var lastError = error.Length > 1000 ? error[..1000] : error;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var retrying = outcomes.Where(o => o.NextAttemptAt is not null).ToList();
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE lead_deliveries
            SET attempts = attempts + 1, next_attempt_at = @NextAttemptAt, last_error = @lastError,
                claim_token = NULL, claimed_until = NULL, updated_at = @now
            WHERE lead_id = @LeadId AND claim_token = @claimToken
            """, retrying.Select(o => new { o.LeadId, o.NextAttemptAt, lastError, claimToken, now }), transaction, cancellationToken: cancellationToken));

        var failed = outcomes.Where(o => o.NextAttemptAt is null).Select(o => o.LeadId).ToArray();
        if (failed.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition($"""
                UPDATE lead_deliveries
                SET status = 'FAILED', attempts = attempts + 1, last_error = @lastError,
                    claim_token = NULL, claimed_until = NULL, updated_at = @now
                WHERE {database.Dialect.In("lead_id", "@failed")} AND claim_token = @claimToken
                """, new { failed, lastError, claimToken, now }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE leads SET status = 'FAILED', updated_at = @now WHERE {database.Dialect.In("lead_id", "@failed")} AND status = 'PENDING'",
                new { failed, now }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Gives back rows that need no push any more (the lead was pulled or acknowledged meanwhile).</summary>
    public async Task SettleWithoutPushAsync(string claimToken, IReadOnlyCollection<string> leadIds, DateTime now, CancellationToken cancellationToken)
    {
        if (leadIds.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE lead_deliveries
            SET status = 'DELIVERED', delivered_at = @now, claim_token = NULL, claimed_until = NULL, updated_at = @now
            WHERE {database.Dialect.In("lead_id", "@ids")} AND claim_token = @claimToken
            """, new { ids = leadIds.ToArray(), claimToken, now }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ReceiverAgency>> ReceiverAgenciesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ReceiverAgency>(new CommandDefinition("""
            SELECT id, receiver_endpoint FROM agencies
            WHERE kind = 'agency' AND status = 'active' AND receiver_endpoint IS NOT NULL AND receiver_endpoint <> ''
            ORDER BY id
            """, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>A delivery's state, for operators and tests.</summary>
    public async Task<DeliveryState?> FindAsync(string leadId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DeliveryState>(new CommandDefinition("""
            SELECT lead_id, agency_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at
            FROM lead_deliveries WHERE lead_id = @leadId
            """, new { leadId }, cancellationToken: cancellationToken));
    }

    internal sealed class DueDelivery
    {
        public string LeadId { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    internal sealed class ReceiverAgency
    {
        public string Id { get; init; } = "";
        public string ReceiverEndpoint { get; init; } = "";
    }

    internal sealed class DeliveryState
    {
        public string LeadId { get; init; } = "";
        public string AgencyId { get; init; } = "";
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime NextAttemptAt { get; init; }
        public string? LastError { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? DeliveredAt { get; init; }
    }
}
