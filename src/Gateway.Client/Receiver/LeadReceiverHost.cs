using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Client.Receiver;

/// <summary>What a test asks the receiver to do to one DeliverLeads call.</summary>
internal enum ReceiverFault
{
    None,

    /// <summary>Answer UNAVAILABLE without storing anything (a receiver overloaded or restarting).</summary>
    RefuseBeforeWriting,

    /// <summary>Store the leads, then answer UNAVAILABLE (the answer is lost: the gateway must redeliver, the receiver dedup).</summary>
    FailAfterWriting,

    /// <summary>Never answer: hold the call until the caller gives up (its deadline), storing nothing.</summary>
    NeverAnswer,

    /// <summary>Reset the TCP connection in the middle of the request (RST, no TLS close, no HTTP/2 GOAWAY), storing nothing.</summary>
    ResetConnection,

    /// <summary>
    /// Wait <see cref="LeadReceiverOptions.FaultDelay"/>, then store and answer — even if the caller gave up
    /// meanwhile (a slow receiver that still processes late: the leads are stored, the answer is lost).
    /// </summary>
    AnswerSlowly,

    /// <summary>Answer plain HTTP 503 before gRPC sees the call (a proxy or load balancer in front of a receiver that is down).</summary>
    Http503,
}

internal sealed class LeadReceiverOptions
{
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (see <see cref="LeadReceiverHost.Address"/>).</summary>
    public int Port { get; init; }

    /// <summary>The receiver's server certificate and key (PEM), e.g. certs/dev/fr-customs-receiver.crt.</summary>
    public required string CertificatePath { get; init; }

    public required string KeyPath { get; init; }

    /// <summary>CA bundle (PEM) that issues the gateway's push-client certificate: the only roots trusted for callers.</summary>
    public required string ClientCaPath { get; init; }

    /// <summary>
    /// The subject the caller's certificate must carry (default: the gateway's push certificate).
    /// The CA also issues agencies' certificates, so trusting the CA alone would let any agency push
    /// leads here. Null accepts any certificate from the CA.
    /// </summary>
    public string? GatewaySubject { get; init; } = "CN=gateway-push, O=Gateway";

    /// <summary>Where accepted leads are appended as NDJSON; also the dedup memory across restarts.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Fault injection for tests, by 1-based call number.</summary>
    public Func<int, ReceiverFault>? Faults { get; init; }

    /// <summary>How long <see cref="ReceiverFault.AnswerSlowly"/> waits.</summary>
    public TimeSpan FaultDelay { get; init; } = TimeSpan.FromSeconds(1);

    public Action<ILoggingBuilder>? Logging { get; init; }
}

/// <summary>
/// The reference LeadReceiver an agency can run (`gateway-client leads listen`): Kestrel over mutual TLS
/// requiring the gateway's client certificate, deduplicating by lead_id, appending each new lead to
/// an NDJSON file before acknowledging it. Tests run it in-process as a real peer.
/// </summary>
internal sealed class LeadReceiverHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private LeadReceiverHost(WebApplication app, LeadFile file, Uri address)
    {
        this.app = app;
        File = file;
        Address = address;
    }

    public Uri Address { get; }

    public LeadFile File { get; }

    public static async Task<LeadReceiverHost> StartAsync(LeadReceiverOptions options, CancellationToken cancellationToken = default)
    {
        var serverCertificate = LoadWithKey(options.CertificatePath, options.KeyPath);
        var clientRoots = new X509Certificate2Collection();
        clientRoots.ImportFromPemFile(options.ClientCaPath);
        var file = new LeadFile(options.OutputPath);
        var connections = new OpenConnections();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        options.Logging?.Invoke(builder.Logging);
        builder.Services.AddGrpc(grpc => grpc.EnableDetailedErrors = false);
        builder.Services.AddSingleton(file);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(connections);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port, endpoint =>
            {
                endpoint.Protocols = HttpProtocols.Http2;
                if (options.Faults is not null)
                {
                    // Only with fault injection: the transport connection of each call, so a test can reset it.
                    endpoint.Use(next => async connection =>
                    {
                        connections.Add(connection);
                        try
                        {
                            await next(connection);
                        }
                        finally
                        {
                            connections.Remove(connection);
                        }
                    });
                }

                endpoint.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) => CallerCertificates.Acceptable(certificate, clientRoots, options.GatewaySubject),
                });
            });
        });

        var app = builder.Build();
        if (options.Faults is not null)
        {
            // The fault of each call is drawn here, before gRPC, so a fault can also be a plain HTTP answer.
            app.Use(async (http, next) =>
            {
                var fault = options.Faults(file.NextCall());
                if (fault == ReceiverFault.Http503)
                {
                    http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return;
                }

                http.Items[typeof(ReceiverFault)] = fault;
                await next(http);
            });
        }

        app.MapGrpcService<LeadReceiverService>();
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        return new LeadReceiverHost(app, file, new Uri($"https://localhost:{port}/"));
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        File.Dispose();
    }

    private static X509Certificate2 LoadWithKey(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // PKCS#12 round-trip: SslStream needs a key it can use on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>The receiver's open transport connections, by id (fault injection only).</summary>
internal sealed class OpenConnections
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ConnectionContext> open = new(StringComparer.Ordinal);

    public void Add(ConnectionContext connection) => open[connection.ConnectionId] = connection;

    public void Remove(ConnectionContext connection) => open.TryRemove(connection.ConnectionId, out _);

    /// <summary>Closes the connection with a TCP reset: linger 0, so the socket sends RST instead of FIN.</summary>
    public bool Reset(string connectionId)
    {
        if (!open.TryGetValue(connectionId, out var connection))
        {
            return false;
        }

        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        }

        connection.Abort(new ConnectionAbortedException("Connection reset (fault injection)."));
        return true;
    }
}

/// <summary>Who may push leads: a client certificate chaining to the configured CA only, for client auth, with the gateway's subject.</summary>
internal static class CallerCertificates
{
    private static readonly System.Security.Cryptography.Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public static bool Acceptable(X509Certificate2 certificate, X509Certificate2Collection roots, string? requiredSubject)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(certificate))
        {
            return false;
        }

        // Compared in canonical form (re-decoded from DER), so spacing in the configured DN does not matter.
        return requiredSubject is null
            || string.Equals(certificate.SubjectName.Name, new X500DistinguishedName(new X500DistinguishedName(requiredSubject).RawData).Name, StringComparison.Ordinal);
    }
}
