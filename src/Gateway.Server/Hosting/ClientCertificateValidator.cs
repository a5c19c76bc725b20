using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Server.Hosting;

/// <summary>
/// Decides, during the TLS handshake, whether a client certificate may connect at all: it must chain
/// to the configured agency CA bundle (and nothing else — the machine's root store is ignored) and
/// carry the client-authentication EKU. Under TLS 1.3 the refused client only sees a broken
/// connection, so every refusal is logged here with its reason.
/// </summary>
internal sealed partial class ClientCertificateValidator(
    X509Certificate2Collection trustedRoots, ILogger<ClientCertificateValidator> log, ClientRevocationList? revocations = null)
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    public bool Validate(X509Certificate? presented, EndPoint? remote)
    {
        if (presented is null)
        {
            LogRefused(remote?.ToString() ?? "?", "-", "no client certificate presented");
            return false;
        }

        var certificate = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        var reason = Check(certificate);
        if (reason is not null)
        {
            LogRefused(remote?.ToString() ?? "?", certificate.Subject, reason);
            return false;
        }

        return true;
    }

    /// <returns>null when acceptable, else the reason for refusal.</returns>
    public string? Check(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        // Revocation: never online (no CRL/OCSP fetches during a handshake); the agency CA's CRL file is checked below.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        try
        {
            if (chain.Build(certificate))
            {
                return revocations?.Check(certificate);
            }

            return "chain: " + string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status} ({s.StatusInformation.Trim()})"));
        }
        catch (CryptographicException e)
        {
            return "unreadable certificate: " + e.Message;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    public SslServerAuthenticationOptions ServerOptions(X509Certificate2 serverCertificate, EndPoint? remote) => new()
    {
        ServerCertificate = serverCertificate,
        ClientCertificateRequired = true,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Validate(certificate, remote),
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        // gRPC needs HTTP/2; the token endpoint is often called over HTTP/1.1. ALPN picks per connection.
        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        AllowRenegotiation = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS client refused from {Remote}: subject {Subject}: {Reason}")]
    private partial void LogRefused(string remote, string subject, string reason);
}
