using System.Diagnostics.Metrics;
using Gateway.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Leads;

/// <summary>
/// The recurring job deliver-leads: for every active agency with a receiver, enrols its new PENDING
/// leads in the outbox, then claims due deliveries in batches and pushes them with
/// LeadReceiver.DeliverLeads. Accepted ids become DELIVERED; the rest are rescheduled with back-off
/// and jitter until the retry window closes, then FAILED (the lead stays pullable).
/// Delivery is at least once: a receiver that stored a batch but whose answer was lost gets it again,
/// and deduplicates by lead_id. Safe to run concurrently and to re-run: work is claimed row by row.
/// </summary>
internal sealed partial class DeliverLeadsJob(
    LeadDeliveries outbox, LeadStore leads, ILeadPushClient push, IOptions<LeadDeliveryOptions> options, TimeProvider clock,
    ILogger<DeliverLeadsJob> log)
{
    public const string Name = "deliver-leads";

    private static readonly Meter Meter = new("Gateway.Leads");
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("gateway.leads.delivered", description: "Leads accepted by agency receivers.");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("gateway.leads.delivery_failed", description: "Lead deliveries given up after the retry window.");

    public async Task<DeliveryRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var total = new DeliveryRunResult(0, 0, 0, 0);
        foreach (var agency in await outbox.ReceiverAgenciesAsync(cancellationToken))
        {
            if (!Uri.TryCreate(agency.ReceiverEndpoint, UriKind.Absolute, out var endpoint))
            {
                LogBadEndpoint(agency.Id, agency.ReceiverEndpoint);
                continue;
            }

            await outbox.EnrolAsync(agency.Id, Now(), cancellationToken);
            for (var batch = 0; batch < settings.MaxBatchesPerAgency; batch++)
            {
                var result = await DeliverBatchAsync(agency.Id, endpoint, settings, cancellationToken);
                if (result is null)
                {
                    break;
                }

                total += result;
            }
        }

        return total;
    }

    /// <returns>null when the agency has nothing due.</returns>
    private async Task<DeliveryRunResult?> DeliverBatchAsync(string agencyId, Uri endpoint, LeadDeliveryOptions settings, CancellationToken cancellationToken)
    {
        var claimToken = Guid.NewGuid().ToString("N");
        var now = Now();
        var due = await outbox.ClaimAsync(agencyId, Math.Clamp(settings.BatchSize, 1, 1000), claimToken, now, now + settings.ClaimTimeout, cancellationToken);
        if (due.Count == 0)
        {
            return null;
        }

        var rows = await outbox.ClaimedLeadsAsync(claimToken, cancellationToken);
        // Pulled or acknowledged since it was enrolled: nothing left to push.
        var settled = rows.Where(r => r.Status is LeadStates.Delivered or LeadStates.Acknowledged).Select(r => r.LeadId).ToList();
        await outbox.SettleWithoutPushAsync(claimToken, settled, now, cancellationToken);
        var toPush = rows.Where(r => r.Status is LeadStates.Pending or LeadStates.Failed).ToList();
        if (toPush.Count == 0)
        {
            return new DeliveryRunResult(0, 0, 0, 0);
        }

        var request = new DeliverLeadsRequest { DeliveryId = claimToken };
        await using (var connection = await outbox.OpenAsync(cancellationToken))
        {
            request.Leads.AddRange(await leads.ToContractsAsync(connection, toPush, cancellationToken));
        }

        IReadOnlyCollection<string> accepted;
        string error;
        try
        {
            accepted = await push.DeliverAsync(endpoint, request, cancellationToken);
            error = "not accepted by the receiver";
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or IOException or InvalidOperationException or System.Security.Authentication.AuthenticationException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            accepted = [];
            error = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{e.GetType().Name}: {e.Message}";
            LogPushFailed(agencyId, endpoint.ToString(), toPush.Count, error);
        }

        var pushedIds = toPush.Select(r => r.LeadId).ToHashSet(StringComparer.Ordinal);
        var acceptedIds = accepted.Where(pushedIds.Contains).ToHashSet(StringComparer.Ordinal);
        var after = Now();
        await outbox.MarkDeliveredAsync(claimToken, acceptedIds, after, cancellationToken);

        var backoff = settings.Backoff;
        var attemptsById = due.ToDictionary(d => d.LeadId, StringComparer.Ordinal);
        var outcomes = toPush.Where(r => !acceptedIds.Contains(r.LeadId)).Select(r =>
        {
            var delivery = attemptsById[r.LeadId];
            return (r.LeadId, backoff.NextAttempt(delivery.CreatedAt, delivery.Attempts + 1, after, Random.Shared.NextDouble()));
        }).ToList();
        await outbox.RescheduleAsync(claimToken, outcomes, error, after, cancellationToken);

        var failed = outcomes.Where(o => o.Item2 is null).ToList();
        foreach (var (leadId, _) in failed)
        {
            LogDeliveryFailed(leadId, agencyId, error);
        }

        Delivered.Add(acceptedIds.Count);
        Failed.Add(failed.Count);
        return new DeliveryRunResult(toPush.Count, acceptedIds.Count, outcomes.Count - failed.Count, failed.Count);
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lead push to {AgencyId} at {Endpoint} failed for {Count} lead(s): {Error}")]
    private partial void LogPushFailed(string agencyId, string endpoint, int count, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lead {LeadId} could not be delivered to {AgencyId} within the retry window ({Error}); marked FAILED, it stays pullable")]
    private partial void LogDeliveryFailed(string leadId, string agencyId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agency {AgencyId} has an invalid receiver endpoint '{Endpoint}'; its leads wait to be pulled")]
    private partial void LogBadEndpoint(string agencyId, string endpoint);
}

/// <summary>What one run did: leads pushed, accepted, rescheduled, and given up.</summary>
internal sealed record DeliveryRunResult(int Attempted, int Delivered, int Retrying, int Failed)
{
    public static DeliveryRunResult operator +(DeliveryRunResult a, DeliveryRunResult b) =>
        new(a.Attempted + b.Attempted, a.Delivered + b.Delivered, a.Retrying + b.Retrying, a.Failed + b.Failed);
}
