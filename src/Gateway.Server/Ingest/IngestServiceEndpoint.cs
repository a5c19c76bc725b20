using Gateway.Contracts.V1;
using Gateway.Server.Brands;
using Gateway.Server.Grpc;
using Gateway.Server.Listings;
using Gateway.Server.Sellers;
using Gateway.Server.Shipments;
using Grpc.Core;

namespace Gateway.Server.Ingest;

/// <summary>
/// The marketplace's bulk upsert of its data (scope ingest:write). Each RPC is a client stream,
/// idempotent by the platform's ids: re-sending a record updates it, never duplicates it.
/// </summary>
/// <remarks>
/// Shipments and listings must name a seller already known to the gateway; otherwise they are
/// rejected. A dangling seller would make GetSeller, strikes and the risk engine's seller signals
/// silently miss the parcel, and it almost always means a feed sent out of order or a typo in an id —
/// both better reported at once than discovered by an agency.
/// </remarks>
internal sealed class IngestServiceEndpoint(
    IngestPipeline pipeline, SellerWriter sellers, ShipmentWriter shipments, ListingWriter listings, BrandWriter brands)
    : IngestService.IngestServiceBase
{
    public override Task<IngestSummary> UpsertSellers(IAsyncStreamReader<Seller> requestStream, ServerCallContext context) =>
        pipeline.RunAsync(new("sellers", sellers, IngestValidation.Validate, s => s.SellerId), requestStream, Caller(context), context.CancellationToken);

    public override Task<IngestSummary> UpsertShipments(IAsyncStreamReader<Shipment> requestStream, ServerCallContext context) =>
        pipeline.RunAsync(Shipments, requestStream, Caller(context), context.CancellationToken);

    // The same pipeline over the batches' shipments, one by one: the same checks, batches of writes and summary.
    public override Task<IngestSummary> UpsertShipmentBatches(IAsyncStreamReader<ShipmentIngestBatch> requestStream, ServerCallContext context) =>
        pipeline.RunAsync(Shipments, new FlattenedStreamReader<ShipmentIngestBatch, Shipment>(requestStream, b => b.Shipments), Caller(context), context.CancellationToken);

    private IngestPipeline.Kind<Shipment> Shipments => new("shipments", shipments, IngestValidation.Validate, s => s.ShipmentId, s => s.SellerId);

    public override Task<IngestSummary> UpsertListings(IAsyncStreamReader<Listing> requestStream, ServerCallContext context) =>
        pipeline.RunAsync(new("listings", listings, IngestValidation.Validate, l => l.ListingId, l => l.SellerId), requestStream, Caller(context), context.CancellationToken);

    public override Task<IngestSummary> UpsertBrands(IAsyncStreamReader<Brand> requestStream, ServerCallContext context) =>
        pipeline.RunAsync(new("brands", brands, IngestValidation.Validate, b => b.BrandId), requestStream, Caller(context), context.CancellationToken);

    private static string Caller(ServerCallContext context) => context.Caller().Agency.Id;
}
