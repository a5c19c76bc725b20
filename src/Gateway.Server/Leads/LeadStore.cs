using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;

namespace Gateway.Server.Leads;

/// <summary>The `leads` and `lead_shipments` tables as the lead service sees them.</summary>
internal sealed class LeadStore(Database database)
{
    private const string LeadColumns = """
        lead_id, agency_id, dedup_key, source, seller_id, score, reasons, narrative, investigator_id,
        status, disposition, disposition_note, created_at, updated_at
        """;

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    public async Task<LeadRow?> FindAsync(string leadId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LeadRow>(new CommandDefinition(
            $"SELECT {LeadColumns} FROM leads WHERE lead_id = @leadId", new { leadId }, cancellationToken: cancellationToken));
    }

    public async Task<LeadRow?> FindByDedupKeyAsync(string dedupKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<LeadRow>(new CommandDefinition(
            $"SELECT {LeadColumns} FROM leads WHERE dedup_key = @dedupKey ORDER BY created_at, lead_id",
            new { dedupKey }, cancellationToken: cancellationToken));
    }

    /// <summary>Leads in the contract's shape, with their shipment ids, in the order given.</summary>
    public async Task<List<Lead>> ToContractsAsync(DbConnection connection, IReadOnlyList<LeadRow> rows, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var links = await connection.QueryAsync<(string LeadId, string ShipmentId)>(new CommandDefinition(
            $"SELECT lead_id, shipment_id FROM lead_shipments WHERE {database.Dialect.In("lead_id", "@ids")} ORDER BY lead_id, shipment_id",
            new { ids = rows.Select(r => r.LeadId).ToArray() }, transaction, cancellationToken: cancellationToken));
        var byLead = links.ToLookup(l => l.LeadId, l => l.ShipmentId, StringComparer.Ordinal);
        return [.. rows.Select(r => LeadMapping.ToContract(r, byLead[r.LeadId]))];
    }

    public async Task<Lead> ToContractAsync(LeadRow row, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await ToContractsAsync(connection, [row], cancellationToken))[0];
    }

    /// <summary>Inserts a lead and its shipment links in one transaction.</summary>
    /// <returns>false when a lead with the same (agency, dedup_key) already exists (a concurrent retry won).</returns>
    public async Task<bool> InsertAsync(LeadRow row, IReadOnlyList<string> shipmentIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM leads WHERE agency_id = @AgencyId AND dedup_key = @DedupKey",
            row, transaction, cancellationToken: cancellationToken));
        if (exists > 0)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO leads ({LeadColumns})
            VALUES (@LeadId, @AgencyId, @DedupKey, @Source, @SellerId, @Score, @Reasons, @Narrative, @InvestigatorId,
                    @Status, @Disposition, @DispositionNote, @CreatedAt, @UpdatedAt)
            """, row, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO lead_shipments (lead_id, shipment_id) VALUES (@LeadId, @ShipmentId)",
            shipmentIds.Select(id => new { row.LeadId, ShipmentId = id }), transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The shipments among <paramref name="ids"/> that exist, with their sellers and whether they fall in <paramref name="countries"/>.</summary>
    public async Task<IReadOnlyList<ShipmentRef>> ShipmentsAsync(IReadOnlyList<string> ids, IReadOnlyList<string> countries, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ShipmentRef>(new CommandDefinition($"""
            SELECT s.shipment_id, s.seller_id,
                   CASE WHEN EXISTS (SELECT 1 FROM shipment_countries c
                                     WHERE c.shipment_id = s.shipment_id AND {database.Dialect.In("c.country", "@countries")}) THEN 1 ELSE 0 END AS in_jurisdiction
            FROM shipments s
            WHERE {database.Dialect.In("s.shipment_id", "@ids")}
            """, new { ids, countries = countries.Count == 0 ? [""] : countries.ToArray() }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    public async Task<bool> SellerExistsAsync(string sellerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM sellers WHERE seller_id = @sellerId", new { sellerId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// The agency's undelivered leads (PENDING, or FAILED by push), oldest first, marked DELIVERED in the
    /// same transaction — the contract's meaning of DELIVERED is "accepted by the receiver or returned by
    /// PullLeads" — so two pullers never get the same lead, and the push outbox stops retrying them.
    /// </summary>
    public async Task<List<Lead>> PullAsync(string agencyId, int max, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<LeadRow>(new CommandDefinition($"""
            SELECT {LeadColumns} FROM leads
            WHERE agency_id = @agencyId AND status IN ('PENDING', 'FAILED')
            ORDER BY created_at, lead_id
            {database.Dialect.Limit("@max")}
            """, new { agencyId, max }, transaction, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
        {
            return [];
        }

        var ids = rows.Select(r => r.LeadId).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE leads SET status = 'DELIVERED', updated_at = @now WHERE {database.Dialect.In("lead_id", "@ids")} AND status IN ('PENDING', 'FAILED')",
            new { ids, now }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE lead_deliveries SET status = 'DELIVERED', delivered_at = @now, claim_token = NULL, claimed_until = NULL, updated_at = @now
            WHERE {database.Dialect.In("lead_id", "@ids")} AND status = 'PENDING'
            """, new { ids, now }, transaction, cancellationToken: cancellationToken));
        var leads = await ToContractsAsync(connection, rows, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        foreach (var lead in leads)
        {
            lead.Status = LeadStatus.Delivered;
        }

        return leads;
    }

    /// <summary>
    /// Records the agency's dispositions, all or nothing: if any lead named is not the agency's own
    /// (or does not exist) nothing is written and those ids are returned.
    /// </summary>
    public async Task<(IReadOnlyList<string> Acknowledged, IReadOnlyList<string> NotFound)> AcknowledgeAsync(
        string agencyId, IReadOnlyList<(string LeadId, string Disposition, string Note)> acks, DateTime now, CancellationToken cancellationToken)
    {
        var ids = acks.Select(a => a.LeadId).ToArray();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var own = (await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT lead_id FROM leads WHERE agency_id = @agencyId AND {database.Dialect.In("lead_id", "@ids")}",
            new { agencyId, ids }, transaction, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        var notFound = ids.Where(id => !own.Contains(id)).ToList();
        if (notFound.Count > 0)
        {
            return ([], notFound);
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE leads SET status = 'ACKNOWLEDGED', disposition = @Disposition, disposition_note = @Note, updated_at = @now
            WHERE lead_id = @LeadId AND agency_id = @agencyId
            """, acks.Select(a => new { a.LeadId, a.Disposition, a.Note, agencyId, now }), transaction, cancellationToken: cancellationToken));
        // An acknowledged lead has evidently arrived: stop pushing it.
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE lead_deliveries SET status = 'DELIVERED', delivered_at = @now, claim_token = NULL, claimed_until = NULL, updated_at = @now
            WHERE {database.Dialect.In("lead_id", "@ids")} AND status = 'PENDING'
            """, new { ids, now }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (ids, []);
    }

    internal sealed class ShipmentRef
    {
        public string ShipmentId { get; init; } = "";
        public string SellerId { get; init; } = "";
        public int InJurisdiction { get; init; }
    }
}
