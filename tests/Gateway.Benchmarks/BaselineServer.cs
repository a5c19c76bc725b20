using System.Net;
using Gateway.Server.Hosting;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// The bare grpc-dotnet baseline: the same Kestrel mutual-TLS settings as the gateway (the gateway's
/// own handshake callback and certificate checks), serving one trivial unary RPC — no auth, no
/// database, no audit. The gateway's figures are reported as a ratio to this one, measured in the same run.
/// Usage: baseline-server --port P --pki DIR
/// </summary>
internal static class BaselineServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(Arg(args, "--port"), System.Globalization.CultureInfo.InvariantCulture);
        var pki = Arg(args, "--pki");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        var validator = new ClientCertificateValidator(PemFiles.LoadCertificates(Path.Combine(pki, "ca.crt")), NullLogger<ClientCertificateValidator>.Instance);
        var certificate = PemFiles.LoadCertificateWithKey(Path.Combine(pki, "server.crt"), Path.Combine(pki, "server.key"));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, endpoint =>
            {
                endpoint.Protocols = HttpProtocols.Http1AndHttp2;
                endpoint.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = connection => ValueTask.FromResult(validator.ServerOptions(certificate, connection.Connection.RemoteEndPoint)),
                });
            });
        });
        var app = builder.Build();
        app.MapGrpcService<TrivialHealth>();
        await app.RunAsync();
        return 0;
    }

    internal static string Arg(string[] args, string name) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"{name} is required.");

    private sealed class TrivialHealth : Health.HealthBase
    {
        private static readonly HealthCheckResponse Serving = new() { Status = HealthCheckResponse.Types.ServingStatus.Serving };

        public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) => Task.FromResult(Serving);
    }
}
