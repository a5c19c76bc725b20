using Gateway.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Gateway.Server.Shipments;

/// <summary>
/// ShipmentService as the gateway serves it: the generated contract, except that ExportShipments writes
/// pre-encoded batches (<see cref="EncodedShipmentBatch"/>) instead of ShipmentBatch objects, and
/// GetShipment a pre-encoded record (<see cref="EncodedShipment"/>) instead of a Shipment object. The wire
/// types are still ShipmentBatch and Shipment. grpc-dotnet binds a service through the [BindServiceMethod] of its
/// class and accepts as handlers only overrides of the abstract/virtual methods of the class that
/// method binds, so the methods are declared here rather than on the generated ShipmentServiceBase.
/// </summary>
[BindServiceMethod(typeof(ShipmentServiceContract), nameof(BindService))]
internal abstract class ShipmentServiceContract
{
    public abstract Task<EncodedShipment> GetShipment(GetShipmentRequest request, ServerCallContext context);

    public abstract Task<SearchShipmentsResponse> SearchShipments(SearchShipmentsRequest request, ServerCallContext context);

    public abstract Task ExportShipments(ExportShipmentsRequest request, IServerStreamWriter<EncodedShipmentBatch> responseStream, ServerCallContext context);

    /// <summary>The service's descriptor, for gRPC reflection (it looks it up on the type that binds the service).</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => ShipmentService.Descriptor;

    /// <summary>
    /// Binds the generated service definition unchanged except for ExportShipments and GetShipment, whose
    /// response marshallers write pre-encoded ShipmentBatch and Shipment bytes. The method keeps its name, type and full name,
    /// so routing, RequireRpcScopes (by full name), the interceptors and the audit apply exactly as to
    /// every other method; grpc-dotnet resolves the endpoint per call and finds each handler as an override of the abstract method here.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, ShipmentServiceContract? service) =>
        ShipmentService.BindService(new EncodedExportBinder(binder), null);

    private static readonly Method<ExportShipmentsRequest, EncodedShipmentBatch> ExportMethod = new(
        MethodType.ServerStreaming, ShipmentService.Descriptor.FullName, "ExportShipments",
        Marshallers.Create(static r => r.ToByteArray(), ExportShipmentsRequest.Parser.ParseFrom), EncodedShipmentBatch.Marshaller);

    private static readonly Method<GetShipmentRequest, EncodedShipment> GetMethod = new(
        MethodType.Unary, ShipmentService.Descriptor.FullName, "GetShipment",
        Marshallers.Create(static r => r.ToByteArray(), GetShipmentRequest.Parser.ParseFrom), EncodedShipment.Marshaller);

    private sealed class EncodedExportBinder(ServiceBinderBase inner) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (method.Name == GetMethod.Name)
            {
                // The handler is resolved per call from GetShipment(…) returning Task<EncodedShipment>.
                inner.AddMethod(GetMethod, (UnaryServerMethod<GetShipmentRequest, EncodedShipment>?)null);
                return;
            }

            inner.AddMethod(method, handler);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (method.Name == ExportMethod.Name)
            {
                // The handler is resolved per call from ExportShipments(…, IServerStreamWriter<EncodedShipmentBatch>, …).
                inner.AddMethod(ExportMethod, (ServerStreamingServerMethod<ExportShipmentsRequest, EncodedShipmentBatch>?)null);
                return;
            }

            inner.AddMethod(method, handler);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);
    }
}
