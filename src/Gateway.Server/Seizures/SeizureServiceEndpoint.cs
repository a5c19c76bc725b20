using Gateway.Contracts.V1;
using Gateway.Server.Grpc;
using Gateway.Server.Shipments;
using Grpc.Core;

namespace Gateway.Server.Seizures;

/// <summary>
/// Detentions and seizures reported by agencies. ReportSeizure and UpdateSeizureStatus are idempotent
/// by the agency's request_id because customs systems retry on timeouts; an agency only ever sees and
/// changes its own seizures, and another agency's seizure is indistinguishable from an absent one.
/// </summary>
internal sealed partial class SeizureServiceEndpoint(
    SeizureStore store,
    ShipmentQueries shipments,
    HolidayCalendar holidays,
    TimeProvider clock,
    ILogger<SeizureServiceEndpoint> log) : SeizureService.SeizureServiceBase
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    private static readonly string Detained = ContractNames<SeizureStatus>.Name(SeizureStatus.Detained);

    public override async Task<SeizureReceipt> ReportSeizure(ReportSeizureRequest request, ServerCallContext context)
    {
        var agency = context.Caller().Agency;
        var now = clock.GetUtcNow().UtcDateTime;
        var report = SeizureValidation.ValidateReport(request, now);
        var cancellationToken = context.CancellationToken;

        // The cheap path for the common retry; the unique key below is what makes it correct.
        if (await store.FindByRequestAsync(agency.Id, report.RequestId, cancellationToken) is { } first)
        {
            return Duplicate(first, report);
        }

        // Outside the jurisdiction answers exactly like an absent shipment (NOT_FOUND), as GetShipment does:
        // a seizure report must not become a way to probe for other countries' parcels.
        var shipment = await shipments.FindAsync(report.ShipmentKey, report.ShipmentRef, agency.Jurisdictions, cancellationToken)
            ?? throw RpcErrors.NotFound("Shipment");
        if (report.LeadId is { } leadId && !await store.LeadBelongsToAsync(leadId, agency.Id, cancellationToken))
        {
            // Another agency's lead looks exactly like a lead that does not exist.
            throw RpcErrors.NotFound("Lead");
        }

        // Deadlines follow the detaining agency's country (its first jurisdiction): the procedure runs
        // under the law, and the calendar, of the state where the goods are held.
        var due = WorkingDays.HolderResponseDue(report.DetainedAt, holidays.For(agency.Jurisdictions.Count > 0 ? agency.Jurisdictions[0] : null));
        var row = new SeizureRow
        {
            SeizureId = Guid.CreateVersion7(now).ToString("D"),
            AgencyId = agency.Id,
            RequestId = report.RequestId,
            RequestFingerprint = report.Fingerprint,
            AgencyReference = report.AgencyReference,
            ShipmentId = shipment.ShipmentId,
            SellerId = shipment.SellerId,
            LeadId = report.LeadId,
            CustomsOffice = report.CustomsOffice,
            DetainedAt = report.DetainedAt,
            Procedure = ContractNames<SeizureProcedure>.Name(report.Procedure),
            Status = Detained,
            HolderResponseDue = due,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var items = report.Items.Select(i => new SeizureItemRow
        {
            SeizureId = row.SeizureId, LineNo = i.LineNo, Brand = i.Brand, Category = i.Category, Quantity = i.Quantity,
            InfringementType = i.InfringementType, ValueMinor = i.ValueMinor, Currency = i.Currency,
        }).ToList();

        if (!await store.InsertAsync(row, items, cancellationToken))
        {
            // A concurrent copy of this report won the unique key (agency_id, request_id).
            var winner = await store.FindByRequestAsync(agency.Id, report.RequestId, cancellationToken)
                ?? throw new InvalidOperationException("Unique violation on a seizure report, but no report with its request_id.");
            return Duplicate(winner, report);
        }

        LogReported(agency.Id, row.SeizureId, row.ShipmentId);
        return new SeizureReceipt { SeizureId = row.SeizureId, Status = SeizureStatus.Detained, Duplicate = false };
    }

    public override async Task<Seizure> UpdateSeizureStatus(UpdateSeizureStatusRequest request, ServerCallContext context)
    {
        var agency = context.Caller().Agency;
        var (requestId, seizureId, status, note) = SeizureValidation.ValidateUpdate(request);
        var result = await store.UpdateStatusAsync(agency.Id, requestId, seizureId, status, note, context.CancellationToken);
        switch (result.Outcome)
        {
            case UpdateOutcome.NotFound:
                throw RpcErrors.NotFound("Seizure");
            case UpdateOutcome.RequestIdReused:
                throw RpcErrors.AlreadyExists(
                    "This request_id was already used by your agency for a different status update; use a new request_id for a new update.",
                    "REQUEST_ID_REUSED", new Dictionary<string, string> { ["request_id"] = requestId });
            case UpdateOutcome.Illegal:
                var current = result.Seizure!.Status;
                var next = SeizureLifecycle.NextOf(ContractNames<SeizureStatus>.Parse(current)).Select(ContractNames<SeizureStatus>.Name).ToList();
                throw RpcErrors.FailedPrecondition(
                    $"A seizure in status {current} cannot move to {ContractNames<SeizureStatus>.Name(status)}; "
                        + (next.Count == 0 ? "it is final." : $"allowed: {string.Join(", ", next)}."),
                    "SEIZURE_STATUS", "seizures/" + seizureId, $"Transitions only move forward: {current} → {string.Join(" | ", next)}.");
            case UpdateOutcome.Applied:
                LogTransition(agency.Id, seizureId, result.Seizure!.Status);
                if (result.Strike is { } strike)
                {
                    LogStrike(result.Seizure!.SellerId, seizureId, strike.StrikesIn12Months, strike.ExclusionRecommended);
                }

                break;
            case UpdateOutcome.Replayed:
            default:
                break;
        }

        var row = result.Seizure!;
        return SeizureMapping.ToContract(row, await store.ItemsAsync(row.SeizureId, context.CancellationToken));
    }

    public override async Task<Seizure> GetSeizure(GetSeizureRequest request, ServerCallContext context)
    {
        var agency = context.Caller().Agency;
        var seizureId = SeizureValidation.SeizureId(request.SeizureId);
        var found = await store.GetAsync(agency.Id, seizureId, context.CancellationToken) ?? throw RpcErrors.NotFound("Seizure");
        return SeizureMapping.ToContract(found.Seizure, found.Items);
    }

    public override async Task<ListSeizuresResponse> ListSeizures(ListSeizuresRequest request, ServerCallContext context)
    {
        var agency = context.Caller().Agency;
        var violations = new List<(string, string)>();
        if (request.PageSize < 0)
        {
            violations.Add(("page_size", $"Must be 0 (default {DefaultPageSize}) to {MaxPageSize}."));
        }

        (DateTime, string)? after = null;
        if (request.PageToken.Length > 0)
        {
            if (PageTokens.TryDecode(request.PageToken, out var position))
            {
                after = position;
            }
            else
            {
                violations.Add(("page_token", "Not a token returned by ListSeizures."));
            }
        }

        string? status = null;
        if (request.Status != SeizureStatus.Unspecified)
        {
            if (ContractNames<SeizureStatus>.IsSet(request.Status))
            {
                status = ContractNames<SeizureStatus>.Name(request.Status);
            }
            else
            {
                violations.Add(("status", $"One of {string.Join(", ", ContractNames<SeizureStatus>.SetNames)}, or unset for any."));
            }
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The request is invalid.", [.. violations]);
        }

        // Above the maximum is served as the maximum (AIP-158), not refused.
        var pageSize = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var (rows, items) = await store.ListAsync(agency.Id, status, after, pageSize + 1, context.CancellationToken);
        var response = new ListSeizuresResponse();
        foreach (var row in rows.Take(pageSize))
        {
            response.Seizures.Add(SeizureMapping.ToContract(row, items));
        }

        if (rows.Count > pageSize)
        {
            var last = rows[pageSize - 1];
            response.NextPageToken = PageTokens.Encode(last.CreatedAt, last.SeizureId);
        }

        return response;
    }

    /// <summary>
    /// A retry gets the first receipt again. The same request_id with a different payload is not a
    /// retry but a client error: answering "duplicate" would let the agency believe a second,
    /// different seizure was recorded, so it is refused.
    /// </summary>
    private SeizureReceipt Duplicate(SeizureRow first, SeizureReport report)
    {
        if (first.RequestFingerprint is { } fingerprint && fingerprint != report.Fingerprint)
        {
            throw RpcErrors.AlreadyExists(
                "This request_id was already used by your agency for a different seizure report; use a new request_id for a new report.",
                "REQUEST_ID_REUSED", new Dictionary<string, string> { ["request_id"] = report.RequestId, ["seizure_id"] = first.SeizureId });
        }

        LogDuplicate(first.AgencyId, first.SeizureId);
        // The receipt as first issued: every report starts DETAINED.
        return new SeizureReceipt { SeizureId = first.SeizureId, Status = SeizureStatus.Detained, Duplicate = true };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seizure {SeizureId} reported by {AgencyId} on shipment {ShipmentId}")]
    private partial void LogReported(string agencyId, string seizureId, string shipmentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seizure report retried by {AgencyId}: returning {SeizureId} as duplicate")]
    private partial void LogDuplicate(string agencyId, string seizureId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seizure {SeizureId} of {AgencyId} moved to {Status}")]
    private partial void LogTransition(string agencyId, string seizureId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Strike recorded for seller {SellerId} (seizure {SeizureId}): {Strikes} in 12 months, exclusion recommended: {Exclusion}")]
    private partial void LogStrike(string sellerId, string seizureId, int strikes, bool exclusion);
}
