using Gateway.Contracts.V1;
using Google.Rpc;
using Grpc.Core;

namespace Gateway.IntegrationTests;

internal static class Calls
{
    public static RequestContext Context(string caseReference = "FR-2026-0042") => new()
    {
        LegalBasis = "EU 608/2013 art. 17",
        CaseReference = caseReference,
        OfficerId = "officer-7",
    };

    public static GetShipmentRequest ByTracking(string trackingNumber, params DataSubset[] subsets)
    {
        var request = new GetShipmentRequest { Context = Context(), TrackingNumber = trackingNumber };
        request.Subsets.AddRange(subsets);
        return request;
    }

    public static BadRequest? BadRequest(this RpcException e) => e.GetRpcStatus()?.GetDetail<BadRequest>();

    public static ErrorInfo? ErrorInfo(this RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>();
}
