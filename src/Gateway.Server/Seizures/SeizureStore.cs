using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Enforcement;

namespace Gateway.Server.Seizures;

/// <summary>What an UpdateSeizureStatus did.</summary>
internal enum UpdateOutcome
{
    /// <summary>The transition was applied now.</summary>
    Applied,

    /// <summary>This request_id was already applied to this seizure with this status and note: nothing written.</summary>
    Replayed,

    /// <summary>This request_id was already used by the agency for a different update.</summary>
    RequestIdReused,

    /// <summary>Not one of the agency's seizures.</summary>
    NotFound,

    /// <summary>Not a forward transition from the current status.</summary>
    Illegal,
}

internal sealed record UpdateResult(UpdateOutcome Outcome, SeizureRow? Seizure, StrikeOutcome? Strike = null);

/// <summary>
/// Seizure SQL. Every read is filtered by the owning agency inside the query, so another agency's
/// seizure is never read — it is simply not found.
/// </summary>
internal sealed class SeizureStore(Database database, EnforcementEvents enforcement, TimeProvider clock)
{
    private static readonly string Confirmed = ContractNames<SeizureStatus>.Name(SeizureStatus.ConfirmedCounterfeit);

    public async Task<SeizureRow?> FindByRequestAsync(string agencyId, string requestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SeizureRow>(new CommandDefinition(
            "SELECT * FROM seizures WHERE agency_id = @agencyId AND request_id = @requestId",
            new { agencyId, requestId }, cancellationToken: cancellationToken));
    }

    /// <summary>A lead may only be cited by the agency it was made for.</summary>
    public async Task<bool> LeadBelongsToAsync(string leadId, string agencyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM leads WHERE lead_id = @leadId AND agency_id = @agencyId",
            new { leadId, agencyId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <returns>false when (agency_id, request_id) already exists: an earlier or concurrent copy of this report won.</returns>
    public async Task<bool> InsertAsync(SeizureRow seizure, IReadOnlyList<SeizureItemRow> items, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        try
        {
            // Insert first and let the unique key arbitrate: a check-then-insert would race on engines
            // with concurrent writers; this is correct on all of them.
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO seizures (seizure_id, agency_id, request_id, request_fingerprint, agency_reference, shipment_id,
                                      seller_id, lead_id, customs_office, detained_at, "procedure", status, holder_response_due,
                                      confirmed_at, created_at, updated_at)
                VALUES (@SeizureId, @AgencyId, @RequestId, @RequestFingerprint, @AgencyReference, @ShipmentId,
                        @SellerId, @LeadId, @CustomsOffice, @DetainedAt, @Procedure, @Status, @HolderResponseDue,
                        @ConfirmedAt, @CreatedAt, @UpdatedAt)
                """, seizure, transaction, cancellationToken: cancellationToken));
        }
        catch (DbException e) when (database.Dialect.IsUniqueViolation(e))
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO seizure_items (seizure_id, line_no, brand, category, quantity, infringement_type, value_minor, currency)
            VALUES (@SeizureId, @LineNo, @Brand, @Category, @Quantity, @InfringementType, @ValueMinor, @Currency)
            """, items, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<(SeizureRow Seizure, IReadOnlyList<SeizureItemRow> Items)?> GetAsync(string agencyId, string seizureId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<SeizureRow>(new CommandDefinition(
            "SELECT * FROM seizures WHERE seizure_id = @seizureId AND agency_id = @agencyId",
            new { seizureId, agencyId }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var items = await ItemsAsync(connection, [row.SeizureId], cancellationToken);
        return (row, items);
    }

    /// <summary>
    /// The agency's seizures, newest first, keyset-paginated on (created_at, seizure_id) — the index
    /// ix_seizures_agency_created — so a page costs the same however deep it is.
    /// </summary>
    public async Task<(IReadOnlyList<SeizureRow> Rows, IReadOnlyList<SeizureItemRow> Items)> ListAsync(
        string agencyId, string? status, (DateTime CreatedAt, string SeizureId)? after, int take, CancellationToken cancellationToken)
    {
        var sql = "SELECT * FROM seizures WHERE agency_id = @agencyId";
        if (status is not null)
        {
            sql += " AND status = @status";
        }

        if (after is not null)
        {
            sql += " AND (created_at < @afterCreated OR (created_at = @afterCreated AND seizure_id < @afterId))";
        }

        sql += $" ORDER BY created_at DESC, seizure_id DESC {database.Dialect.Limit("@take")}";
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<SeizureRow>(new CommandDefinition(sql, new
        {
            agencyId,
            status,
            afterCreated = after?.CreatedAt ?? default,
            afterId = after?.SeizureId ?? "",
            take,
        }, cancellationToken: cancellationToken))).AsList();
        var items = rows.Count == 0 ? [] : await ItemsAsync(connection, rows.Select(r => r.SeizureId).ToList(), cancellationToken);
        return (rows, items);
    }

    /// <summary>
    /// Applies one forward transition and its consequences in one transaction, idempotently by
    /// (agency, request_id): the transition row and the status change commit together, so a retry
    /// finds the first attempt's row and writes nothing.
    /// </summary>
    public async Task<UpdateResult> UpdateStatusAsync(
        string agencyId, string requestId, string seizureId, SeizureStatus to, string note, CancellationToken cancellationToken)
    {
        var target = ContractNames<SeizureStatus>.Name(to);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);

        var seizure = await connection.QuerySingleOrDefaultAsync<SeizureRow>(new CommandDefinition(
            "SELECT * FROM seizures WHERE seizure_id = @seizureId AND agency_id = @agencyId",
            new { seizureId, agencyId }, transaction, cancellationToken: cancellationToken));
        if (seizure is null)
        {
            return new UpdateResult(UpdateOutcome.NotFound, null);
        }

        var earlier = await connection.QuerySingleOrDefaultAsync<TransitionRow>(new CommandDefinition(
            "SELECT * FROM seizure_transitions WHERE agency_id = @agencyId AND request_id = @requestId",
            new { agencyId, requestId }, transaction, cancellationToken: cancellationToken));
        if (earlier is not null)
        {
            var same = earlier.SeizureId == seizureId && earlier.ToStatus == target && earlier.Note == note;
            return new UpdateResult(same ? UpdateOutcome.Replayed : UpdateOutcome.RequestIdReused, seizure);
        }

        if (!SeizureLifecycle.IsAllowed(ContractNames<SeizureStatus>.Parse(seizure.Status), to))
        {
            return new UpdateResult(UpdateOutcome.Illegal, seizure);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        // Conditional on the status read above: on engines with concurrent writers, a competing
        // transition makes this update match nothing instead of both succeeding.
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE seizures
            SET status = @target, updated_at = @now,
                confirmed_at = CASE WHEN @target = @confirmed THEN @now ELSE confirmed_at END
            WHERE seizure_id = @seizureId AND status = @from
            """, new { target, now, confirmed = Confirmed, seizureId, from = seizure.Status }, transaction, cancellationToken: cancellationToken));
        if (changed != 1)
        {
            throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.Aborted, "The seizure changed concurrently; read it and retry."));
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO seizure_transitions (agency_id, request_id, seizure_id, from_status, to_status, note, occurred_at)
                VALUES (@agencyId, @requestId, @seizureId, @from, @target, @note, @now)
                """, new { agencyId, requestId, seizureId, from = seizure.Status, target, note, now }, transaction, cancellationToken: cancellationToken));
        }
        catch (DbException e) when (database.Dialect.IsUniqueViolation(e))
        {
            // A concurrent copy of this very request committed first (engines with concurrent writers):
            // roll back and answer as the retry it is.
            await transaction.RollbackAsync(cancellationToken);
            return await UpdateStatusAsync(agencyId, requestId, seizureId, to, note, cancellationToken);
        }

        StrikeOutcome? strike = null;
        var updated = new SeizureRow
        {
            SeizureId = seizure.SeizureId, AgencyId = seizure.AgencyId, RequestId = seizure.RequestId,
            RequestFingerprint = seizure.RequestFingerprint, AgencyReference = seizure.AgencyReference,
            ShipmentId = seizure.ShipmentId, SellerId = seizure.SellerId, LeadId = seizure.LeadId,
            CustomsOffice = seizure.CustomsOffice, DetainedAt = seizure.DetainedAt, Procedure = seizure.Procedure,
            Status = target, HolderResponseDue = seizure.HolderResponseDue,
            ConfirmedAt = to == SeizureStatus.ConfirmedCounterfeit ? now : seizure.ConfirmedAt,
            CreatedAt = seizure.CreatedAt, UpdatedAt = now,
        };
        if (to == SeizureStatus.ConfirmedCounterfeit)
        {
            strike = await enforcement.RecordConfirmedCounterfeitAsync(connection, transaction, updated, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new UpdateResult(UpdateOutcome.Applied, updated, strike);
    }

    public async Task<IReadOnlyList<SeizureItemRow>> ItemsAsync(string seizureId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ItemsAsync(connection, [seizureId], cancellationToken);
    }

    private async Task<IReadOnlyList<SeizureItemRow>> ItemsAsync(DbConnection connection, IReadOnlyCollection<string> seizureIds, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<SeizureItemRow>(new CommandDefinition(
            $"SELECT * FROM seizure_items WHERE {database.Dialect.In("seizure_id", "@seizureIds")} ORDER BY seizure_id, line_no",
            new { seizureIds }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// A transaction that holds the write lock from its first statement: the status read, the
    /// idempotency check and the MAX + 1 of the event cursor must see no concurrent writer.
    /// On SQLite that is BEGIN IMMEDIATE; on PostgreSQL a lock on the seizures table (enforcement events
    /// are only ever written inside a seizure transaction, so this also serialises their cursor).
    /// </summary>
    private Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        database.Dialect.BeginWriteAsync(connection, "seizures", cancellationToken);
}
