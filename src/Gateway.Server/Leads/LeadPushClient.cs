using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Gateway.Contracts.V1;
using Gateway.Server.Hosting;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Leads;

/// <summary>The seam between the delivery job and an agency's LeadReceiver.</summary>
internal interface ILeadPushClient
{
    /// <returns>The lead ids the receiver says it has durably accepted.</returns>
    Task<IReadOnlyCollection<string>> DeliverAsync(Uri receiver, DeliverLeadsRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// LeadReceiver.DeliverLeads over mutual TLS: the gateway presents its own push-client certificate
/// (never an agency's), and accepts a receiver's server certificate only if it chains to the configured
/// receiver CA bundle (custom root trust — the machine's store is ignored) and names the host dialled.
/// One channel per receiver endpoint, reused across runs.
/// </summary>
internal sealed class GrpcLeadPushClient(IOptions<LeadPushOptions> options) : ILeadPushClient, IDisposable
{
    private static readonly System.Security.Cryptography.Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);
    // Loaded on first use, so a gateway whose agencies have no receivers needs no push certificate.
    private readonly Lazy<X509Certificate2> certificate = new(() => PemFiles.LoadCertificateWithKey(options.Value.Certificate, options.Value.Key));
    private readonly Lazy<X509Certificate2Collection> receiverRoots = new(() => PemFiles.LoadCertificates(options.Value.ReceiverCaBundle));

    public async Task<IReadOnlyCollection<string>> DeliverAsync(Uri receiver, DeliverLeadsRequest request, CancellationToken cancellationToken)
    {
        if (receiver.Scheme != Uri.UriSchemeHttps)
        {
            // Leads are personal and case data: never sent in clear, whatever the registry says.
            throw new InvalidOperationException($"Receiver endpoint {receiver} is not https.");
        }

        var channel = channels.GetOrAdd(receiver.AbsoluteUri, _ => CreateChannel(receiver));
        var client = new LeadReceiver.LeadReceiverClient(channel);
        var response = await client.DeliverLeadsAsync(request,
            deadline: DateTime.UtcNow + options.Value.Timeout, cancellationToken: cancellationToken);
        return response.AcceptedLeadIds;
    }

    private GrpcChannel CreateChannel(Uri receiver)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { certificate.Value },
                RemoteCertificateValidationCallback = (_, presented, _, errors) => TrustedReceiver(presented, errors),
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            },
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        };
        return GrpcChannel.ForAddress(receiver, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private bool TrustedReceiver(X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(receiverRoots.Value);
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate2 = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(certificate2);
    }

    public void Dispose()
    {
        foreach (var channel in channels.Values)
        {
            channel.Dispose();
        }

        if (certificate.IsValueCreated)
        {
            certificate.Value.Dispose();
        }
    }
}
