using System.Data.Common;
using Dapper;
using Gateway.Server.Data;

namespace Gateway.Server.Audit;

/// <summary>The audit tables: append (inside the writer's transaction), query, checkpoints. Nothing here updates or deletes a record.</summary>
internal sealed class AuditStore(Database database)
{
    private const string Columns = """
        sequence, time, agency_id, client_id, certificate_thumbprint, officer_id, rpc, legal_basis,
        case_reference, statement_of_reasons, request_summary, status_code, records_returned,
        records_digest, previous_hash, hash
        """;

    public const string InsertSql = $"""
        INSERT INTO audit_log ({Columns})
        VALUES (@Sequence, @Time, @AgencyId, @ClientId, @CertificateThumbprint, @OfficerId, @Rpc, @LegalBasis,
                @CaseReference, @StatementOfReasons, @RequestSummary, @StatusCode, @RecordsReturned,
                @RecordsDigest, @PreviousHash, @Hash)
        """;

    public static readonly string[] InsertParameters =
    [
        "Sequence", "Time", "AgencyId", "ClientId", "CertificateThumbprint", "OfficerId", "Rpc", "LegalBasis",
        "CaseReference", "StatementOfReasons", "RequestSummary", "StatusCode", "RecordsReturned",
        "RecordsDigest", "PreviousHash", "Hash",
    ];

    public Database Database => database;

    /// <summary>Binds one record to the prepared insert (<see cref="InsertSql"/> with <see cref="InsertParameters"/>).</summary>
    public static PreparedCommand Bind(PreparedCommand insert, AuditRecordRow row) => insert
        .Set("Sequence", row.Sequence).Set("Time", row.Time).Set("AgencyId", row.AgencyId).Set("ClientId", row.ClientId)
        .Set("CertificateThumbprint", row.CertificateThumbprint).Set("OfficerId", row.OfficerId).Set("Rpc", row.Rpc)
        .Set("LegalBasis", row.LegalBasis).Set("CaseReference", row.CaseReference).Set("StatementOfReasons", row.StatementOfReasons)
        .Set("RequestSummary", row.RequestSummary).Set("StatusCode", row.StatusCode).Set("RecordsReturned", row.RecordsReturned)
        .Set("RecordsDigest", row.RecordsDigest).Set("PreviousHash", row.PreviousHash).Set("Hash", row.Hash);

    public const string UpdateHeadSql = "UPDATE audit_chain_head SET sequence = @Sequence, hash = @Hash WHERE id = 1";

    public sealed record Head(long Sequence, string Hash);

    /// <summary>The chain head, locked for this transaction: every appender serialises here (across nodes too).</summary>
    public static string LockHeadSql(SqlDialect dialect) => dialect.SelectForUpdate("sequence, hash", "audit_chain_head", "id = 1");

    public async Task<Head> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleAsync<Head>(new CommandDefinition(
            "SELECT sequence, hash FROM audit_chain_head WHERE id = 1", cancellationToken: cancellationToken));
    }

    /// <summary>One page of records after <paramref name="afterSequence"/> matching the filter, in sequence order.</summary>
    public async Task<IReadOnlyList<AuditRecordRow>> QueryAsync(
        long afterSequence, DateTime? from, DateTime? to, string? agencyId, string? caseReference, int take, CancellationToken cancellationToken)
    {
        var where = new List<string> { "sequence > @afterSequence" };
        if (from is not null)
        {
            where.Add("time >= @from");
        }

        if (to is not null)
        {
            where.Add("time < @to");
        }

        if (!string.IsNullOrEmpty(agencyId))
        {
            where.Add("agency_id = @agencyId");
        }

        if (!string.IsNullOrEmpty(caseReference))
        {
            where.Add("case_reference = @caseReference");
        }

        var sql = $"""
            SELECT {Columns} FROM audit_log
            WHERE {string.Join(" AND ", where)}
            ORDER BY sequence
            {database.Dialect.Limit("@take")}
            """;
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditRecordRow>(new CommandDefinition(
            sql, new { afterSequence, from, to, agencyId, caseReference, take }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Every record in sequence order, unbuffered: verification streams the whole log once.</summary>
    public static IEnumerable<AuditRecordRow> ReadAll(DbConnection connection) =>
        connection.Query<AuditRecordRow>($"SELECT {Columns} FROM audit_log ORDER BY sequence", buffered: false);

    public static IReadOnlyList<AuditCheckpointRow> ReadCheckpoints(DbConnection connection) =>
        connection.Query<AuditCheckpointRow>(
            "SELECT sequence, head_hash, created_at, signature, key_thumbprint FROM audit_checkpoints ORDER BY sequence").AsList();

    public async Task<long> LastCheckpointSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(sequence) FROM audit_checkpoints", cancellationToken: cancellationToken)) ?? 0;
    }

    public async Task AddCheckpointAsync(AuditCheckpointRow checkpoint, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO audit_checkpoints (sequence, head_hash, created_at, signature, key_thumbprint)
            VALUES (@Sequence, @HeadHash, @CreatedAt, @Signature, @KeyThumbprint)
            """, checkpoint, cancellationToken: cancellationToken));
    }
}
