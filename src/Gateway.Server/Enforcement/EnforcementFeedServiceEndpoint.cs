using System.Globalization;
using Gateway.Contracts.V1;
using Gateway.Server.Grpc;
using Gateway.Server.Seizures;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Server.Enforcement;

/// <summary>
/// The marketplace's feed (scope feed:read, held by the platform only). The cursor is the event's
/// sequence number as a decimal string: stable across calls and restarts, so an at-least-once reader
/// stores the last cursor it processed and resumes after it — a replay yields the same events in the
/// same order.
/// </summary>
internal sealed class EnforcementFeedServiceEndpoint(EnforcementEvents events) : EnforcementFeedService.EnforcementFeedServiceBase
{
    public const int DefaultMax = 100;
    public const int MaxMax = 1000;

    public override async Task<ListEnforcementEventsResponse> ListEnforcementEvents(ListEnforcementEventsRequest request, ServerCallContext context)
    {
        long after = 0;
        if (request.AfterCursor.Length > 0
            && (request.AfterCursor.Length > 19
                || !long.TryParse(request.AfterCursor, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            throw RpcErrors.InvalidArgument("The cursor is invalid.", ("after_cursor", "Pass a cursor returned by this feed, or empty to start from the beginning."));
        }

        if (request.Max < 0)
        {
            throw RpcErrors.InvalidArgument("The maximum is invalid.", ("max", $"Must be 0 (default {DefaultMax}) to {MaxMax}."));
        }

        // Above the maximum is served as the maximum (AIP-158), not refused.
        var max = request.Max == 0 ? DefaultMax : Math.Min(request.Max, MaxMax);
        var rows = await events.ListAsync(after, max, context.CancellationToken);

        var response = new ListEnforcementEventsResponse
        {
            NextCursor = rows.Count > 0 ? Cursor(rows[^1].EventSeq) : request.AfterCursor,
        };
        foreach (var row in rows)
        {
            response.Events.Add(new EnforcementEvent
            {
                Cursor = Cursor(row.EventSeq),
                SellerId = row.SellerId,
                Kind = ContractNames<EnforcementEventKind>.Parse(row.Kind),
                SeizureId = row.SeizureId,
                AgencyId = row.AgencyId,
                OccurredAt = Timestamp.FromDateTime(row.OccurredAt),
                Detail = row.Detail,
            });
        }

        return response;
    }

    private static string Cursor(long sequence) => sequence.ToString(CultureInfo.InvariantCulture);
}
