using Gateway.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Client.Receiver;

/// <summary>LeadReceiver.DeliverLeads: store new leads, return every id now stored (new or seen before).</summary>
internal sealed partial class LeadReceiverService(LeadFile file, LeadReceiverOptions options, ILogger<LeadReceiverService> log)
    : LeadReceiver.LeadReceiverBase
{
    public override async Task<DeliverLeadsResponse> DeliverLeads(DeliverLeadsRequest request, ServerCallContext context)
    {
        var call = file.NextCall();
        var fault = options.Faults?.Invoke(call) ?? ReceiverFault.None;
        if (fault == ReceiverFault.RefuseBeforeWriting)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "Receiver refused the call (fault injection)."));
        }

        var (accepted, fresh) = await file.StoreAsync(request.Leads, context.CancellationToken);
        LogDelivery(request.DeliveryId, request.Leads.Count, fresh.Count);
        if (fault == ReceiverFault.FailAfterWriting)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "Receiver stored the leads but failed to answer (fault injection)."));
        }

        var response = new DeliverLeadsResponse();
        response.AcceptedLeadIds.AddRange(accepted);
        return response;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {DeliveryId}: {Count} lead(s), {New} new")]
    private partial void LogDelivery(string deliveryId, int count, int @new);
}
