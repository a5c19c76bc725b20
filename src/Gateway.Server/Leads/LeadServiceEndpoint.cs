using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Auth;
using Gateway.Server.Grpc;
using Grpc.Core;

namespace Gateway.Server.Leads;

/// <summary>
/// LeadService: investigators create leads for an agency (idempotent by request_id); agencies pull
/// their undelivered leads and acknowledge their own; GetLead shows a lead to its agency or the platform.
/// Investigator leads enter the same table and the same delivery outbox as the risk engine's.
/// </summary>
internal sealed partial class LeadServiceEndpoint(LeadStore leads, AgencyStore agencies, TimeProvider clock, ILogger<LeadServiceEndpoint> log)
    : LeadService.LeadServiceBase
{
    public const int MaxIdLength = 64;
    public const int MaxShipments = 100;
    public const int MaxNarrativeLength = 4000;
    public const int MaxInvestigatorIdLength = 128;
    public const int DefaultPull = 100;
    public const int MaxPull = 1000;
    public const int MaxAcks = 500;
    public const int MaxNoteLength = 4000;

    public override async Task<Lead> CreateLead(CreateLeadRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        if (caller.Agency.Kind != Agency.KindPlatform)
        {
            // leads:write is granted to the platform only; an agency granted it by mistake still cannot
            // address leads (and thus shipment ids) to other agencies.
            throw RpcErrors.PermissionDenied("Only the platform creates leads.", "LEADS_PLATFORM_ONLY");
        }

        var shipmentIds = ValidateCreate(request);
        var dedupKey = $"request:{caller.Agency.Id}:{Guid.Parse(request.RequestId):D}";
        if (await leads.FindByDedupKeyAsync(dedupKey, context.CancellationToken) is { } earlier)
        {
            // A retry (or a request_id reused): the lead already created, unchanged, and no second delivery.
            return await leads.ToContractAsync(earlier, context.CancellationToken);
        }

        var agency = await agencies.FindAsync(request.AgencyId, context.CancellationToken);
        if (agency is null || agency.Kind != Agency.KindAgency || !agency.IsActive)
        {
            throw RpcErrors.InvalidArgument("The lead's agency is invalid.", ("agency_id", $"'{request.AgencyId}' is not an active agency."));
        }

        var shipments = await leads.ShipmentsAsync(shipmentIds, agency.Jurisdictions, context.CancellationToken);
        var known = shipments.ToDictionary(s => s.ShipmentId, StringComparer.Ordinal);
        var violations = new List<(string, string)>();
        foreach (var id in shipmentIds)
        {
            if (!known.TryGetValue(id, out var shipment))
            {
                violations.Add(("shipment_ids", $"Shipment '{id}' does not exist."));
            }
            else if (shipment.InJurisdiction == 0)
            {
                // A lead must not hand an agency ids of shipments it may not look up.
                violations.Add(("shipment_ids", $"Shipment '{id}' is outside the jurisdiction of '{agency.Id}'."));
            }
        }

        var sellerId = request.SellerId.Trim();
        if (sellerId.Length == 0)
        {
            // The seller concerned, when every shipment names the same one.
            var sellers = shipments.Select(s => s.SellerId).Distinct(StringComparer.Ordinal).ToList();
            sellerId = sellers.Count == 1 ? sellers[0] : "";
        }
        else if (!await leads.SellerExistsAsync(sellerId, context.CancellationToken))
        {
            violations.Add(("seller_id", $"Seller '{sellerId}' does not exist."));
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The lead refers to unknown or inaccessible records.", [.. violations]);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var row = new LeadRow
        {
            LeadId = Guid.CreateVersion7(clock.GetUtcNow()).ToString(),
            AgencyId = agency.Id,
            DedupKey = dedupKey,
            Source = LeadStates.SourceInvestigator,
            SellerId = sellerId,
            Score = 0,
            Reasons = "[]",
            Narrative = request.Narrative.Trim(),
            InvestigatorId = request.InvestigatorId.Trim(),
            Status = LeadStates.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            if (!await leads.InsertAsync(row, shipmentIds, context.CancellationToken))
            {
                row = await leads.FindByDedupKeyAsync(dedupKey, context.CancellationToken) ?? row;
            }
        }
        catch (DbException)
        {
            // A concurrent retry inserted first (unique index): answer with its lead.
            var raced = await leads.FindByDedupKeyAsync(dedupKey, CancellationToken.None);
            if (raced is null)
            {
                throw;
            }

            row = raced;
        }

        LogCreated(row.LeadId, row.AgencyId, caller.Agency.Id, row.InvestigatorId);
        return await leads.ToContractAsync(row, context.CancellationToken);
    }

    public override async Task<PullLeadsResponse> PullLeads(PullLeadsRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        if (request.MaxLeads < 0 || request.MaxLeads > MaxPull)
        {
            throw RpcErrors.InvalidArgument("max_leads is out of range.", ("max_leads", $"0 (default {DefaultPull}) to {MaxPull}."));
        }

        var max = request.MaxLeads == 0 ? DefaultPull : request.MaxLeads;
        var pulled = await leads.PullAsync(caller.Agency.Id, max, clock.GetUtcNow().UtcDateTime, context.CancellationToken);
        var response = new PullLeadsResponse();
        response.Leads.AddRange(pulled);
        return response;
    }

    public override async Task<AcknowledgeLeadsResponse> AcknowledgeLeads(AcknowledgeLeadsRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var violations = new List<(string, string)>();
        if (request.Acks.Count == 0 || request.Acks.Count > MaxAcks)
        {
            violations.Add(("acks", $"1 to {MaxAcks} acknowledgements."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var acks = new List<(string LeadId, string Disposition, string Note)>();
        for (var i = 0; i < request.Acks.Count; i++)
        {
            var ack = request.Acks[i];
            var leadId = ack.LeadId.Trim();
            if (leadId.Length is 0 or > MaxIdLength)
            {
                violations.Add(($"acks[{i}].lead_id", $"1 to {MaxIdLength} characters."));
            }
            else if (!seen.Add(leadId))
            {
                violations.Add(($"acks[{i}].lead_id", "The same lead is acknowledged twice in one request."));
            }

            var disposition = LeadMapping.FromDisposition(ack.Disposition);
            if (disposition is null)
            {
                violations.Add(($"acks[{i}].disposition", "ACCEPTED, REJECTED or NEEDS_INFO."));
            }

            if (ack.Note.Length > MaxNoteLength)
            {
                violations.Add(($"acks[{i}].note", $"At most {MaxNoteLength} characters."));
            }

            acks.Add((leadId, disposition ?? "", ack.Note));
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The acknowledgements are invalid.", [.. violations]);
        }

        var (acknowledged, notFound) = await leads.AcknowledgeAsync(caller.Agency.Id, acks, clock.GetUtcNow().UtcDateTime, context.CancellationToken);
        if (notFound.Count > 0)
        {
            // Another agency's lead and a lead that does not exist look the same; nothing was written.
            LogAckRefused(caller.Agency.Id, notFound.Count);
            throw RpcErrors.NotFound($"Lead(s) {string.Join(", ", notFound)}");
        }

        var response = new AcknowledgeLeadsResponse();
        response.AcknowledgedLeadIds.AddRange(acknowledged);
        return response;
    }

    public override async Task<Lead> GetLead(GetLeadRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var leadId = request.LeadId.Trim();
        if (leadId.Length is 0 or > MaxIdLength)
        {
            throw RpcErrors.InvalidArgument("A lead id is required.", ("lead_id", $"1 to {MaxIdLength} characters."));
        }

        var user = context.GetHttpContext().User;
        var row = await leads.FindAsync(leadId, context.CancellationToken);
        var visible = row is not null
            && ((row.AgencyId == caller.Agency.Id && user.HasGrantedScope(Scopes.LeadsRead))
                || (caller.Agency.Kind == Agency.KindPlatform && user.HasGrantedScope(Scopes.LeadsWrite)));
        if (!visible)
        {
            throw RpcErrors.NotFound("Lead");
        }

        return await leads.ToContractAsync(row!, context.CancellationToken);
    }

    private static List<string> ValidateCreate(CreateLeadRequest request)
    {
        var violations = new List<(string, string)>();
        if (!Guid.TryParse(request.RequestId, out _))
        {
            violations.Add(("request_id", "A client-generated UUID is required (the idempotency key)."));
        }

        if (string.IsNullOrWhiteSpace(request.AgencyId) || request.AgencyId.Length > MaxIdLength)
        {
            violations.Add(("agency_id", $"The agency to send the lead to (1 to {MaxIdLength} characters)."));
        }

        var shipmentIds = request.ShipmentIds.Select(s => s.Trim()).Distinct(StringComparer.Ordinal).ToList();
        if (shipmentIds.Count == 0 && string.IsNullOrWhiteSpace(request.SellerId))
        {
            violations.Add(("shipment_ids", "Name at least one shipment or a seller."));
        }

        if (shipmentIds.Count > MaxShipments)
        {
            violations.Add(("shipment_ids", $"At most {MaxShipments} shipments."));
        }

        if (shipmentIds.Any(id => id.Length is 0 or > MaxIdLength))
        {
            violations.Add(("shipment_ids", $"Each shipment id is 1 to {MaxIdLength} characters."));
        }

        if (request.SellerId.Length > MaxIdLength)
        {
            violations.Add(("seller_id", $"At most {MaxIdLength} characters."));
        }

        if (string.IsNullOrWhiteSpace(request.Narrative) || request.Narrative.Length > MaxNarrativeLength)
        {
            violations.Add(("narrative", $"Why these shipments or this seller are suspect (1 to {MaxNarrativeLength} characters)."));
        }

        if (string.IsNullOrWhiteSpace(request.InvestigatorId) || request.InvestigatorId.Length > MaxInvestigatorIdLength)
        {
            violations.Add(("investigator_id", $"The investigator creating the lead (1 to {MaxInvestigatorIdLength} characters)."));
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The lead is invalid.", [.. violations]);
        }

        return shipmentIds;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lead {LeadId} created for {AgencyId} by {CallerId} (investigator {InvestigatorId})")]
    private partial void LogCreated(string leadId, string agencyId, string callerId, string investigatorId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Acknowledgement by {AgencyId} refused: {Count} lead(s) not its own or unknown")]
    private partial void LogAckRefused(string agencyId, int count);
}
