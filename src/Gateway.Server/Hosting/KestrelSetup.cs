using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gateway.Server.Hosting;

internal static class KestrelSetup
{
    /// <summary>
    /// One mutual-TLS port for gRPC (HTTP/2) and the token endpoint (HTTP/1.1), and a plain admin port
    /// bound to loopback. The client certificate is required in the handshake itself.
    /// </summary>
    public static WebApplicationBuilder AddGatewayKestrel(this WebApplicationBuilder builder)
    {
        var listen = builder.Configuration.GetSection(ListenOptions.Section).Get<ListenOptions>() ?? new ListenOptions();
        var tls = builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        builder.Services.Configure<ListenOptions>(builder.Configuration.GetSection(ListenOptions.Section));
        builder.Services.Configure<TlsOptions>(builder.Configuration.GetSection(TlsOptions.Section));
        builder.Services.AddSingleton(_ => PemFiles.LoadCertificates(tls.ClientCaBundle));
        builder.Services.AddSingleton(services => new ClientRevocationList(tls.ClientCrl, services.GetRequiredService<X509Certificate2Collection>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ClientRevocationList>>()));
        builder.Services.AddSingleton<ClientCertificateValidator>();
        builder.Services.AddSingleton(services => new ServerCertificateSource(tls.ServerCertificate, tls.ServerKey, services.GetRequiredService<ILogger<ServerCertificateSource>>()));

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            // Loaded now so a missing or broken certificate stops the start; re-read per handshake when its files change.
            var serverCertificate = kestrel.ApplicationServices.GetRequiredService<ServerCertificateSource>();
            _ = serverCertificate.Current;
            kestrel.Listen(IPAddress.Parse(listen.Address), listen.Port, endpoint =>
            {
                endpoint.Protocols = HttpProtocols.Http1AndHttp2;
                endpoint.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = connection =>
                    {
                        var validator = kestrel.ApplicationServices.GetRequiredService<ClientCertificateValidator>();
                        return ValueTask.FromResult(validator.ServerOptions(serverCertificate.Current, connection.Connection.RemoteEndPoint));
                    },
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                });
            });
            kestrel.Listen(IPAddress.Parse(listen.AdminAddress), listen.AdminPort, endpoint => endpoint.Protocols = HttpProtocols.Http1);
        });
        return builder;
    }
}
