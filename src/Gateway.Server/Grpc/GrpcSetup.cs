using Gateway.Server.Audit;
using Gateway.Server.Auth;
using Gateway.Server.Sellers;
using Gateway.Server.Enforcement;
using Gateway.Server.Seizures;
using Gateway.Server.Hardening;
using Gateway.Server.Leads;
using Gateway.Server.Limits;
using Gateway.Server.Ingest;
using Gateway.Server.Shipments;

namespace Gateway.Server.Grpc;

internal static class GrpcSetup
{
    public static IServiceCollection AddGatewayGrpc(this IServiceCollection services)
    {
        services.AddGrpc(options =>
        {
            // Audit first, so it is outermost: it records every call, including the limiter's and CallerInterceptor's refusals.
            options.Interceptors.Add<AuditInterceptor>();
            // Per-agency rate and concurrency limits before any database work (Limits/).
            options.Interceptors.Add<LimitsInterceptor>();
            options.Interceptors.Add<CallerInterceptor>();
            // Innermost: out-of-range timestamps, undecodable streamed messages, oversized error details (Hardening/).
            options.Interceptors.Add<InputGuardInterceptor>();
            // Message sizes: Gateway:Limits (Limits/LimitsSetup.cs).
            // Exception text never reaches agencies; statuses and google.rpc details say what they need.
            options.EnableDetailedErrors = false;
        });
        // Stateless, so one instance each: grpc-dotnet otherwise builds every interceptor per call, and
        // each build resolves an ILogger<T> through the logger factory's lock (seen in the hot-path profile).
        services.AddSingleton<AuditInterceptor>();
        services.AddSingleton<LimitsInterceptor>();
        services.AddSingleton<CallerInterceptor>();
        services.AddSingleton<InputGuardInterceptor>();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks();
        return services;
    }

    public static WebApplication MapGatewayGrpc(this WebApplication app)
    {
        app.MapGrpcService<ShipmentServiceEndpoint>().RequireRpcScopes();
        app.MapGrpcService<SellerServiceEndpoint>().RequireRpcScopes();
        app.MapGrpcService<SeizureServiceEndpoint>().RequireRpcScopes();
        app.MapGrpcService<LeadServiceEndpoint>().RequireRpcScopes();
        app.MapGrpcService<IngestServiceEndpoint>().RequireRpcScopes();
        app.MapGrpcService<EnforcementFeedServiceEndpoint>().RequireRpcScopes();
        app.MapGrpcService<AuditServiceEndpoint>().RequireRpcScopes();
        // grpc.health.v1 and reflection: no token needed (the handshake still requires a client certificate).
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
