namespace Gateway.Server.Telemetry;

internal sealed class TelemetryOptions
{
    public const string Section = "Gateway:Telemetry";

    /// <summary>service.name on every exported signal.</summary>
    public string ServiceName { get; set; } = "gateway";

    /// <summary>OTLP collector (e.g. http://127.0.0.1:4317). Empty: metrics and traces are collected in-process only, nothing is sent.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>grpc (port 4317) or http/protobuf (port 4318).</summary>
    public string OtlpProtocol { get; set; } = "grpc";
}
