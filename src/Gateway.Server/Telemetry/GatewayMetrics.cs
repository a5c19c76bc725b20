using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Server.Telemetry;

/// <summary>
/// The gateway's own instruments, in one place so their names and tags are a documented contract
/// (docs/operations.md, "Metrics"). Static like the BCL's own meters: instruments are cheap, thread-safe,
/// and cost nothing while no listener (OpenTelemetry's MeterProvider) is attached.
/// </summary>
internal static class GatewayMetrics
{
    public const string MeterName = "Gateway";

    /// <summary>Lead deliveries (Leads/DeliverLeadsJob.cs) keep their own meter; exported alongside.</summary>
    public const string LeadsMeterName = "Gateway.Leads";

    public static readonly ActivitySource Activities = new(MeterName);

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Every gateway RPC once, tagged rpc, agency, status (gRPC status name).</summary>
    public static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "gateway.rpc.calls", unit: "{call}", description: "Gateway RPCs by rpc, agency and gRPC status.");

    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "gateway.rpc.duration", unit: "s", description: "Gateway RPC latency, audit write included, by rpc, agency and status.");

    public static readonly Histogram<long> AuditBatchSize = Meter.CreateHistogram<long>(
        "gateway.audit.batch_size", unit: "{record}", description: "Audit records committed per group-commit transaction.");

    /// <summary>
    /// One per ingest batch transaction, tagged kind (sellers | listings | shipments | brands): the time from the
    /// write lock taken to the commit. On SQLite that lock is the only one, so this is also how long audited
    /// calls may wait behind an ingest.
    /// </summary>
    public static readonly Histogram<double> IngestBatchDuration = Meter.CreateHistogram<double>(
        "gateway.ingest.batch_duration", unit: "s", description: "Time an ingest batch held the database's write lock, by kind.");

    public static readonly Counter<long> ShipmentsScored = Meter.CreateCounter<long>(
        "gateway.risk.shipments_scored", unit: "{shipment}", description: "Shipments scored by the score-shipments job.");

    public static readonly Counter<long> LeadsCreated = Meter.CreateCounter<long>(
        "gateway.risk.leads_created", unit: "{lead}", description: "Leads created by the score-shipments job.");

    /// <summary>Hangfire recurring job runs, tagged job and outcome (succeeded | failed | cancelled).</summary>
    public static readonly Counter<long> JobRuns = Meter.CreateCounter<long>(
        "gateway.jobs.runs", unit: "{run}", description: "Recurring job runs by job and outcome.");

    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        "gateway.jobs.duration", unit: "s", description: "Recurring job run time by job and outcome.");

    public static readonly Counter<long> RetentionStripped = Meter.CreateCounter<long>(
        "gateway.retention.shipments_stripped", unit: "{shipment}", description: "Shipments whose personal data the retention job removed.");
}
