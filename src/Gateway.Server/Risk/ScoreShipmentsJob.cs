using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Risk;

/// <summary>What one run of the scoring job did.</summary>
public sealed record ScoringRunResult(int Batches, int ShipmentsScored, int LeadsCreated, int BatchesTakenByAnotherRun, long Watermark, TimeSpan Elapsed);

/// <summary>
/// score-shipments: reads shipments past its watermark (ingest_seq) in batches, loads each batch's facts with
/// a handful of set-based queries, scores them with the <see cref="RiskEngine"/>, and in one transaction per
/// batch writes the scores, creates a lead per (agency, shipment) for every active agency whose jurisdiction
/// covers the shipment and whose threshold the score reaches, and advances the watermark.
/// <para>
/// Exactly-once leads without a lock: the watermark advances by compare-and-set inside the batch's
/// transaction, so of two concurrent runs only one commits a given batch (the other drops its work and
/// continues from the new watermark); and the leads' unique key (agency_id, dedup_key "shipment:{id}") with
/// a deterministic lead id makes even a replayed batch insert nothing.
/// </para>
/// Scheduled by the jobs feature (Hangfire recurring job); callable directly.
/// </summary>
internal sealed partial class ScoreShipmentsJob(Database database, IOptions<RiskOptions> options, TimeProvider clock, ILogger<ScoreShipmentsJob> logger)
{
    public const string JobName = "score-shipments";

    private static readonly string[] LeadColumns =
    [
        "lead_id", "agency_id", "dedup_key", "source", "seller_id", "score", "reasons", "narrative", "investigator_id",
        "status", "created_at", "updated_at",
    ];

    private readonly string insertWatermark = database.Dialect.InsertIgnore("job_watermarks", ["job_name"], ["job_name", "position", "updated_at"]);
    private readonly string insertLead = database.Dialect.InsertIgnore("leads", ["agency_id", "dedup_key"], LeadColumns);
    private readonly string insertLeadShipment = database.Dialect.InsertIgnore("lead_shipments", ["lead_id", "shipment_id"], ["lead_id", "shipment_id"]);

    public async Task<ScoringRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = options.Value;
        var batchSize = Math.Clamp(settings.BatchSize, 1, 50_000);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(insertWatermark,
            new { JobName, Position = 0L, UpdatedAt = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));

        // Brands and agencies once per run: the engine (automaton included) is built from the brands table as it is now.
        var engine = new RiskEngine(settings, await LoadBrandsAsync(connection, cancellationToken));
        var agencies = await LoadAgenciesAsync(connection, cancellationToken);

        int batches = 0, scored = 0, leads = 0, lost = 0;
        long watermark;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            watermark = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT position FROM job_watermarks WHERE job_name = @JobName", new { JobName }, cancellationToken: cancellationToken));
            var batch = (await connection.QueryAsync<BatchRow>(new CommandDefinition($"""
                SELECT shipment_id, ingest_seq, seller_id, consignee_name, consignee_postcode, declared_at
                FROM shipments WHERE ingest_seq > @watermark ORDER BY ingest_seq {database.Dialect.Limit("@take")}
                """, new { watermark, take = batchSize }, cancellationToken: cancellationToken))).AsList();
            if (batch.Count == 0)
            {
                break;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var to = batch[^1].IngestSeq;
            var facts = await LoadFactsAsync(connection, batch, watermark, to, settings, now, cancellationToken);
            var countries = await LoadCountriesAsync(connection, watermark, to, cancellationToken);
            var results = new List<(BatchRow Row, RiskAssessment Assessment)>(batch.Count);
            foreach (var row in batch)
            {
                results.Add((row, engine.Score(facts[row.ShipmentId], now)));
            }

            var created = await CommitAsync(connection, watermark, to, results, countries, agencies, now, cancellationToken);
            if (created is null)
            {
                lost++;
                LogBatchTaken(logger, watermark, to);
                continue;
            }

            batches++;
            scored += batch.Count;
            leads += created.Value;
        }

        var result = new ScoringRunResult(batches, scored, leads, lost, watermark, stopwatch.Elapsed);
        Telemetry.GatewayMetrics.ShipmentsScored.Add(scored);
        Telemetry.GatewayMetrics.LeadsCreated.Add(leads);
        LogRun(logger, result.ShipmentsScored, result.LeadsCreated, result.Batches, result.Watermark, result.Elapsed.TotalMilliseconds);
        return result;
    }

    /// <returns>Leads created, or null when another run advanced the watermark first (nothing written).</returns>
    private async Task<int?> CommitAsync(
        DbConnection connection, long from, long to, List<(BatchRow Row, RiskAssessment Assessment)> results,
        ILookup<string, string> countries, IReadOnlyList<AgencyTarget> agencies, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Compare-and-set first: it takes the write lock, so the check and the writes below are one step.
        var claimed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE job_watermarks SET position = @to, updated_at = @now WHERE job_name = @JobName AND position = @from",
            new { to, now, JobName, from }, transaction, cancellationToken: cancellationToken));
        if (claimed == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        var scores = new List<object>(results.Count);
        var leadRows = new List<object>();
        var leadShipments = new List<object>();
        foreach (var (row, assessment) in results)
        {
            var reasons = RiskJson.Serialize(assessment.Reasons);
            scores.Add(new { row.ShipmentId, row.IngestSeq, assessment.Score, Reasons = reasons, now });
            if (assessment.Score == 0)
            {
                continue;
            }

            var shipmentCountries = countries[row.ShipmentId];
            foreach (var agency in agencies)
            {
                if (assessment.Score < agency.Threshold || !shipmentCountries.Any(agency.Jurisdictions.Contains))
                {
                    continue;
                }

                var dedupKey = "shipment:" + row.ShipmentId;
                var leadId = LeadId(agency.Id, dedupKey);
                leadRows.Add(new
                {
                    LeadId = leadId,
                    AgencyId = agency.Id,
                    DedupKey = dedupKey,
                    Source = "RISK_ENGINE",
                    row.SellerId,
                    assessment.Score,
                    Reasons = reasons,
                    Narrative = Narrative(row, assessment),
                    InvestigatorId = "",
                    Status = "PENDING",
                    CreatedAt = now,
                    UpdatedAt = now,
                });
                leadShipments.Add(new { LeadId = leadId, row.ShipmentId });
            }
        }

        // Only the version that was read is scored: a shipment re-ingested meanwhile has a new ingest_seq and comes round again.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE shipments SET risk_score = @Score, risk_reasons = @Reasons, scored_at = @now WHERE shipment_id = @ShipmentId AND ingest_seq = @IngestSeq",
            scores, transaction, cancellationToken: cancellationToken));
        var created = leadRows.Count == 0 ? 0 : await connection.ExecuteAsync(new CommandDefinition(insertLead, leadRows, transaction, cancellationToken: cancellationToken));
        if (leadShipments.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(insertLeadShipment, leadShipments, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>Deterministic, so a replayed insert of the same (agency, shipment) lead is the same row and its lead_shipments row too.</summary>
    internal static string LeadId(string agencyId, string dedupKey) =>
        "LEAD-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(agencyId + "\n" + dedupKey)))[..24];

    internal static string Narrative(BatchRow row, RiskAssessment assessment)
    {
        var text = $"Risk engine score {assessment.Score}/100 for shipment {row.ShipmentId} of seller {row.SellerId}: "
                   + string.Join("; ", assessment.Reasons.Where(r => r.Weight > 0).Select(r => $"{r.Detail} (+{r.Weight})")) + ".";
        return text.Length <= 4000 ? text : text[..3999] + "…";
    }

    private static async Task<BrandCatalog> LoadBrandsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var brands = await connection.QueryAsync<BrandRow>(new CommandDefinition(
            "SELECT brand_id, name, aliases FROM brands ORDER BY brand_id", cancellationToken: cancellationToken));
        var prices = (await connection.QueryAsync<PriceRow>(new CommandDefinition(
            "SELECT brand_id, category, min_minor, max_minor, currency FROM brand_reference_prices", cancellationToken: cancellationToken)))
            .ToLookup(p => p.BrandId);
        return new BrandCatalog(brands.Select(b => new Brand(b.BrandId, b.Name,
            b.Aliases.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            prices[b.BrandId].Select(p => new BrandPrice(p.Category, p.MinMinor, p.MaxMinor, p.Currency)).ToList())));
    }

    private static async Task<IReadOnlyList<AgencyTarget>> LoadAgenciesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<AgencyTargetRow>(new CommandDefinition(
            "SELECT id, jurisdictions, lead_threshold FROM agencies WHERE status = @status AND kind = @kind ORDER BY id",
            new { status = Agency.StatusActive, kind = Agency.KindAgency }, cancellationToken: cancellationToken));
        return rows.Select(r => new AgencyTarget(r.Id,
            r.Jurisdictions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => c.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal),
            r.LeadThreshold)).ToList();
    }

    private static async Task<ILookup<string, string>> LoadCountriesAsync(DbConnection connection, long from, long to, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string ShipmentId, string Country)>(new CommandDefinition("""
            SELECT c.shipment_id, c.country FROM shipment_countries c
            JOIN shipments s ON s.shipment_id = c.shipment_id
            WHERE s.ingest_seq > @from AND s.ingest_seq <= @to
            """, new { from, to }, cancellationToken: cancellationToken))).ToLookup(r => r.ShipmentId, r => r.Country);

    /// <summary>The batch's facts: a fixed number of set-based queries, whatever the batch size.</summary>
    private static async Task<Dictionary<string, ShipmentFacts>> LoadFactsAsync(
        DbConnection connection, List<BatchRow> batch, long from, long to, RiskOptions settings, DateTime now, CancellationToken cancellationToken)
    {
        var range = new { from, to };
        CommandDefinition Command(string sql, object? parameters = null) => new(sql, parameters ?? range, cancellationToken: cancellationToken);

        var goods = (await connection.QueryAsync<GoodsFactRow>(Command("""
            SELECT g.shipment_id, g.line_no, g.description, g.brand, g.quantity, g.value_minor, g.currency, g.listing_id
            FROM shipment_goods g JOIN shipments s ON s.shipment_id = g.shipment_id
            WHERE s.ingest_seq > @from AND s.ingest_seq <= @to
            ORDER BY g.shipment_id, g.line_no
            """))).ToLookup(g => g.ShipmentId);
        var listings = (await connection.QueryAsync<ListingFactRow>(Command("""
            SELECT l.listing_id, l.title, l.brand, l.category FROM listings l
            WHERE l.listing_id IN (SELECT g.listing_id FROM shipment_goods g JOIN shipments s ON s.shipment_id = g.shipment_id
                                   WHERE s.ingest_seq > @from AND s.ingest_seq <= @to)
            """))).ToDictionary(l => l.ListingId, StringComparer.Ordinal);
        var sellers = (await connection.QueryAsync<SellerRow>(Command("""
            SELECT seller_id, account_created_at FROM sellers
            WHERE seller_id IN (SELECT s.seller_id FROM shipments s WHERE s.ingest_seq > @from AND s.ingest_seq <= @to)
            """))).ToDictionary(s => s.SellerId, s => s.AccountCreatedAt, StringComparer.Ordinal);
        var strikes = (await connection.QueryAsync<(string SellerId, int Count)>(Command("""
            SELECT seller_id, COUNT(*) FROM seller_strikes
            WHERE recorded_at >= @since
              AND seller_id IN (SELECT s.seller_id FROM shipments s WHERE s.ingest_seq > @from AND s.ingest_seq <= @to)
            GROUP BY seller_id
            """, new { from, to, since = now.AddDays(-settings.StrikeWindowDays) }))).ToDictionary(s => s.SellerId, s => s.Count, StringComparer.Ordinal);
        var seizures = (await connection.QueryAsync<(string SellerId, int Count)>(Command("""
            SELECT seller_id, COUNT(*) FROM seizures
            WHERE status <> 'RELEASED'
              AND seller_id IN (SELECT s.seller_id FROM shipments s WHERE s.ingest_seq > @from AND s.ingest_seq <= @to)
            GROUP BY seller_id
            """))).ToDictionary(s => s.SellerId, s => s.Count, StringComparer.Ordinal);

        // Earlier confirmed seizures of shipments to the same consignee (exact name + postcode).
        var consignee = (await connection.QueryAsync<(string ShipmentId, int Count)>(Command("""
            SELECT s.shipment_id, COUNT(DISTINCT z.seizure_id)
            FROM shipments s
            JOIN shipments p ON p.consignee_postcode = s.consignee_postcode AND p.consignee_name = s.consignee_name AND p.shipment_id <> s.shipment_id
            JOIN seizures z ON z.shipment_id = p.shipment_id
            WHERE s.ingest_seq > @from AND s.ingest_seq <= @to
              AND (z.status = 'CONFIRMED_COUNTERFEIT' OR z.confirmed_at IS NOT NULL)
              AND z.detained_at <= s.declared_at
            GROUP BY s.shipment_id
            """))).ToDictionary(c => c.ShipmentId, c => c.Count, StringComparer.Ordinal);

        // Splitting: the other shipments of each (seller, consignee) pair of the batch around its dates, with their
        // declared value; the window test is done here so the SQL stays free of engine-specific date arithmetic.
        var window = TimeSpan.FromDays(settings.SplittingWindowDays);
        var pairs = (await connection.QueryAsync<PairRow>(Command("""
            SELECT s.shipment_id AS batch_shipment_id, o.shipment_id, o.declared_at,
                   (SELECT COALESCE(SUM(g.value_minor), 0) FROM shipment_goods g WHERE g.shipment_id = o.shipment_id) AS value_minor
            FROM shipments s
            JOIN shipments o ON o.seller_id = s.seller_id AND o.consignee_postcode = s.consignee_postcode AND o.consignee_name = s.consignee_name
            WHERE s.ingest_seq > @from AND s.ingest_seq <= @to
              AND o.declared_at >= @earliest AND o.declared_at <= @latest
            """, new { from, to, earliest = batch.Min(b => b.DeclaredAt) - window, latest = batch.Max(b => b.DeclaredAt) + window })))
            .ToLookup(p => p.BatchShipmentId);

        var facts = new Dictionary<string, ShipmentFacts>(batch.Count, StringComparer.Ordinal);
        foreach (var row in batch)
        {
            var lines = goods[row.ShipmentId]
                .Select(g => new GoodsFacts(g.LineNo, g.Description, g.Brand, g.Quantity, g.ValueMinor, g.Currency, g.ListingId))
                .ToList();
            var shipmentListings = lines
                .Select(l => l.ListingId).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal)
                .Select(id => listings.GetValueOrDefault(id)).OfType<ListingFactRow>()
                .Select(l => new ListingFacts(l.ListingId, l.Title, l.Brand, l.Category))
                .ToList();
            var split = 0;
            var own = pairs[row.ShipmentId].FirstOrDefault(p => p.ShipmentId == row.ShipmentId);
            if (own is not null && own.ValueMinor <= settings.SplittingLowValueMinor)
            {
                split = pairs[row.ShipmentId].Count(p =>
                    p.ValueMinor <= settings.SplittingLowValueMinor && (p.DeclaredAt - row.DeclaredAt).Duration() <= window);
            }

            facts[row.ShipmentId] = new ShipmentFacts
            {
                ShipmentId = row.ShipmentId,
                SellerId = row.SellerId,
                DeclaredAt = row.DeclaredAt,
                Goods = lines,
                Listings = shipmentListings,
                SellerAccountCreatedAt = sellers.TryGetValue(row.SellerId, out var created) ? created : null,
                SellerStrikes = strikes.GetValueOrDefault(row.SellerId),
                SellerSeizures = seizures.GetValueOrDefault(row.SellerId),
                SplitShipments = split,
                ConsigneePriorSeizures = consignee.GetValueOrDefault(row.ShipmentId),
            };
        }

        return facts;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scored {Shipments} shipments, created {Leads} leads in {Batches} batches; watermark {Watermark} ({ElapsedMs:0} ms)")]
    private static partial void LogRun(ILogger logger, int shipments, int leads, int batches, long watermark, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch ({From}, {To}] was committed by another run; continuing from its watermark")]
    private static partial void LogBatchTaken(ILogger logger, long from, long to);

    internal sealed class BatchRow
    {
        public string ShipmentId { get; init; } = "";
        public long IngestSeq { get; init; }
        public string SellerId { get; init; } = "";
        public string ConsigneeName { get; init; } = "";
        public string ConsigneePostcode { get; init; } = "";
        public DateTime DeclaredAt { get; init; }
    }

    private sealed record AgencyTarget(string Id, HashSet<string> Jurisdictions, int Threshold);

    private sealed class AgencyTargetRow
    {
        public string Id { get; init; } = "";
        public string Jurisdictions { get; init; } = "";
        public int LeadThreshold { get; init; }
    }

    private sealed class BrandRow
    {
        public string BrandId { get; init; } = "";
        public string Name { get; init; } = "";
        public string Aliases { get; init; } = "";
    }

    private sealed class PriceRow
    {
        public string BrandId { get; init; } = "";
        public string Category { get; init; } = "";
        public long MinMinor { get; init; }
        public long MaxMinor { get; init; }
        public string Currency { get; init; } = "";
    }

    private sealed class GoodsFactRow
    {
        public string ShipmentId { get; init; } = "";
        public int LineNo { get; init; }
        public string Description { get; init; } = "";
        public string Brand { get; init; } = "";
        public int Quantity { get; init; }
        public long ValueMinor { get; init; }
        public string Currency { get; init; } = "";
        public string ListingId { get; init; } = "";
    }

    private sealed class ListingFactRow
    {
        public string ListingId { get; init; } = "";
        public string Title { get; init; } = "";
        public string Brand { get; init; } = "";
        public string Category { get; init; } = "";
    }

    private sealed class SellerRow
    {
        public string SellerId { get; init; } = "";
        public DateTime AccountCreatedAt { get; init; }
    }

    private sealed class PairRow
    {
        public string BatchShipmentId { get; init; } = "";
        public string ShipmentId { get; init; } = "";
        public DateTime DeclaredAt { get; init; }
        public long ValueMinor { get; init; }
    }
}
