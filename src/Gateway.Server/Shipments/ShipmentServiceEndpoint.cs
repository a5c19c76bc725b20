using Gateway.Contracts.V1;
using Gateway.Server.Audit;
using Gateway.Server.Grpc;
using Grpc.Core;

namespace Gateway.Server.Shipments;

internal sealed class ShipmentServiceEndpoint(ShipmentQueries queries) : ShipmentService.ShipmentServiceBase
{
    public const int MaxKeyLength = 64;

    public override async Task<Shipment> GetShipment(GetShipmentRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var (key, value) = request.KeyCase switch
        {
            GetShipmentRequest.KeyOneofCase.ShipmentId => (ShipmentQueries.Key.ShipmentId, request.ShipmentId),
            GetShipmentRequest.KeyOneofCase.TrackingNumber => (ShipmentQueries.Key.TrackingNumber, request.TrackingNumber),
            GetShipmentRequest.KeyOneofCase.Mrn => (ShipmentQueries.Key.Mrn, request.Mrn),
            _ => throw RpcErrors.InvalidArgument("A shipment key is required.",
                ("key", "Set exactly one of shipment_id, tracking_number or mrn.")),
        };
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxKeyLength)
        {
            var field = GetShipmentRequest.Descriptor.FindFieldByNumber((int)request.KeyCase).Name;
            throw RpcErrors.InvalidArgument("The shipment key is invalid.", (field, $"Must be 1 to {MaxKeyLength} characters."));
        }

        var subsets = DataSubsets.Resolve(caller, request.Subsets, DataSubset.ShipmentCore);
        var row = await queries.FindAsync(key, value.Trim(), caller.Agency.Jurisdictions, context.CancellationToken)
            ?? throw RpcErrors.NotFound("Shipment");

        context.AuditReturned(row.ShipmentId);
        await using var connection = await queries.OpenAsync(context.CancellationToken);
        string[] ids = [row.ShipmentId];
        var goods = subsets.Contains(DataSubset.ShipmentCore)
            ? await queries.GoodsAsync(connection, ids, context.CancellationToken)
            : [];
        var listings = subsets.Contains(DataSubset.Listings)
            ? await queries.ListingsAsync(connection, ids, context.CancellationToken)
            : [];
        return ShipmentMapping.ToContract(row, goods, listings, subsets);
    }
}
