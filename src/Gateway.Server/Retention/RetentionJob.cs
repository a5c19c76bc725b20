using System.Globalization;
using System.Text.Json;
using Dapper;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Gateway.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Retention;

/// <summary>What one run of the retention job did.</summary>
internal sealed record RetentionRunResult(DateTime Cutoff, int ShipmentsStripped, int Batches);

/// <summary>
/// retention: removes the personal data of shipments declared before now − PersonalDataAfter, in
/// batches, and keeps everything that is not personal — routes, countries, carrier, dates, goods
/// (HS codes, values, brands), the seller link, risk scores, seizures, leads — so statistics and
/// enforcement history survive. The audit log is never touched: it holds no party data (ids, counts
/// and digests only), and its hash chain must stay whole. Each run writes one audit record
/// ("job:retention") with the cut-off and the count, so the deletion itself is accountable.
/// <para>
/// Removed, for both consignor and consignee: name, street address, postcode, e-mail, phone and EORI.
/// A party may be a natural person (the consignee nearly always is; a consignor may be a sole trader),
/// and an EORI names its holder, so all EORIs go rather than guessing which holder is a company. City
/// and country stay: too coarse to identify anyone, needed for statistics. The trader behind a shipment
/// stays reachable through seller_id (the sellers table has its own legal retention under the DSA).
/// </para>
/// Idempotent and safe to run concurrently: rows are picked by personal_data_removed_at IS NULL and
/// updated with the same condition, so a row is stripped (and counted) once.
/// </summary>
internal sealed partial class RetentionJob(
    Database database, AuditWriter audit, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionJob> log)
{
    public const string JobName = "retention";

    public const string AuditRpc = "job:retention";

    public async Task<RetentionRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now - settings.PersonalDataAfter;
        var take = Math.Clamp(settings.BatchSize, 1, 10_000);
        var dialect = database.Dialect;
        int stripped = 0, batches = 0;

        await using var connection = await database.OpenAsync(cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = (await connection.QueryAsync<string>(new CommandDefinition($"""
                SELECT shipment_id FROM shipments
                WHERE declared_at < @cutoff AND personal_data_removed_at IS NULL
                ORDER BY declared_at, shipment_id {dialect.Limit("@take")}
                """, new { cutoff, take }, cancellationToken: cancellationToken))).AsList();
            if (ids.Count == 0)
            {
                break;
            }

            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                stripped += await connection.ExecuteAsync(new CommandDefinition($"""
                    UPDATE shipments SET
                        consignor_name = '', consignor_address = '', consignor_postcode = '',
                        consignor_email = '', consignor_phone = '', consignor_eori = '',
                        consignee_name = '', consignee_address = '', consignee_postcode = '',
                        consignee_email = '', consignee_phone = '', consignee_eori = '',
                        personal_data_removed_at = @now, updated_at = @now
                    WHERE {dialect.In("shipment_id", "@ids")} AND personal_data_removed_at IS NULL
                    """, new { ids = ids.ToArray(), now }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
            }

            batches++;
            if (ids.Count < take)
            {
                break;
            }
        }

        GatewayMetrics.RetentionStripped.Add(stripped);
        var result = new RetentionRunResult(cutoff, stripped, batches);
        await RecordAsync(result, settings);
        LogRun(log, stripped, batches, cutoff);
        return result;
    }

    /// <summary>One audit record per run, even when nothing was due: the log shows the job ran and what it removed.</summary>
    private async Task RecordAsync(RetentionRunResult result, RetentionOptions settings)
    {
        if (!audit.Enabled)
        {
            return;
        }

        var summary = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["cutoff"] = result.Cutoff.ToString("O", CultureInfo.InvariantCulture),
            ["personalDataAfter"] = settings.PersonalDataAfter.ToString("c", CultureInfo.InvariantCulture),
            ["shipmentsStripped"] = result.ShipmentsStripped,
            ["batches"] = result.Batches,
        });
        await audit.AppendAsync(new AuditRecordRow
        {
            Time = AuditCanonical.TruncateToMicroseconds(clock.GetUtcNow()),
            AgencyId = "gateway",
            ClientId = "gateway",
            Rpc = AuditRpc,
            LegalBasis = "GDPR art. 5(1)(e) storage limitation",
            RequestSummary = summary,
            StatusCode = 0,
            RecordsReturned = result.ShipmentsStripped,
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: personal data removed from {Shipments} shipment(s) in {Batches} batch(es), declared before {Cutoff:O}")]
    private static partial void LogRun(ILogger logger, int shipments, int batches, DateTime cutoff);
}
