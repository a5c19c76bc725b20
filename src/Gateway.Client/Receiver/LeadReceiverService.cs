using Gateway.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Client.Receiver;

/// <summary>LeadReceiver.DeliverLeads: store new leads, return every id now stored (new or seen before).</summary>
internal sealed partial class LeadReceiverService(LeadFile file, LeadReceiverOptions options, OpenConnections connections, ILogger<LeadReceiverService> log)
    : LeadReceiver.LeadReceiverBase
{
    public override async Task<DeliverLeadsResponse> DeliverLeads(DeliverLeadsRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        // Drawn by the fault middleware (LeadReceiverHost) when faults are injected; otherwise counted here.
        var fault = http.Items.TryGetValue(typeof(ReceiverFault), out var drawn) ? (ReceiverFault)drawn! : Count();
        var cancellation = context.CancellationToken;
        switch (fault)
        {
            case ReceiverFault.RefuseBeforeWriting:
                throw new RpcException(new Status(StatusCode.Unavailable, "Receiver refused the call (fault injection)."));
            case ReceiverFault.NeverAnswer:
                await Task.Delay(Timeout.Infinite, cancellation);
                break;
            case ReceiverFault.ResetConnection:
                connections.Reset(http.Connection.Id);
                await Task.Delay(Timeout.Infinite, cancellation);
                break;
            case ReceiverFault.AnswerSlowly:
                await Task.Delay(options.FaultDelay, CancellationToken.None);
                cancellation = CancellationToken.None; // processed late, whether or not the caller still waits
                break;
        }

        var (accepted, fresh) = await file.StoreAsync(request.Leads, cancellation);
        LogDelivery(request.DeliveryId, request.Leads.Count, fresh.Count);
        if (fault == ReceiverFault.FailAfterWriting)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "Receiver stored the leads but failed to answer (fault injection)."));
        }

        var response = new DeliverLeadsResponse();
        response.AcceptedLeadIds.AddRange(accepted);
        return response;
    }

    private ReceiverFault Count()
    {
        file.NextCall();
        return ReceiverFault.None;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {DeliveryId}: {Count} lead(s), {New} new")]
    private partial void LogDelivery(string deliveryId, int count, int @new);
}
