using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Server.Telemetry;

/// <summary>
/// OpenTelemetry traces (ASP.NET Core requests, the gateway's activity source) and metrics (the
/// gateway's meters, ASP.NET Core and Kestrel), exported over OTLP only when an endpoint is configured:
/// a gateway never sends anything anywhere unless the operator says so. Structured JSON logs are the
/// standard console formatter (Logging:Console:FormatterName=json); see docs/operations.md.
/// </summary>
internal static class TelemetrySetup
{
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        Uri? endpoint = Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var parsed) ? parsed : null;
        var protocol = string.Equals(options.OtlpProtocol, "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayMetrics.MeterName, GatewayMetrics.LeadsMeterName)
                    .AddAspNetCoreInstrumentation();
                if (endpoint is not null)
                {
                    metrics.AddOtlpExporter(otlp => (otlp.Endpoint, otlp.Protocol) = (Signal(endpoint, protocol, "v1/metrics"), protocol));
                }
            });

        // Spans exist only to be exported. Without a collector no tracer listens, so ASP.NET Core creates
        // no Activity per request: recording spans for nobody cost every call an Activity, its tags and
        // an execution-context copy (docs/performance.md, GetShipment).
        if (endpoint is not null)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(GatewayMetrics.MeterName)
                // The admin port's health probes would drown real traffic.
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = http => !http.Request.Path.StartsWithSegments(Hosting.AdminPort.HealthPath))
                .AddOtlpExporter(otlp => (otlp.Endpoint, otlp.Protocol) = (Signal(endpoint, protocol, "v1/traces"), protocol)));
        }

        return services;
    }

    /// <summary>Outermost, so every RPC is counted once with the status its caller saw.</summary>
    public static IApplicationBuilder UseGatewayTelemetry(this IApplicationBuilder app) => app.UseMiddleware<RpcMetricsMiddleware>();

    /// <summary>OTLP/HTTP takes one URL per signal; OTLP/gRPC the collector's base address.</summary>
    private static Uri Signal(Uri endpoint, OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or "" ? new Uri(endpoint, path) : endpoint;
}
