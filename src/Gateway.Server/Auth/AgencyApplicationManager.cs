using System.Security.Cryptography.X509Certificates;
using Gateway.Server.Agencies;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace Gateway.Server.Auth;

/// <summary>
/// Binds tls_client_auth (RFC 8705 §2.1) on the certificate's subject DN. OpenIddict's default matches
/// a DNS name against redirect URIs, which machine clients do not have; the subject DN is what an
/// agency CA certifies, and binding on it lets agencies renew certificates without re-registering.
/// </summary>
internal sealed partial class AgencyApplicationManager(
    IOpenIddictApplicationCache<Agency> cache,
    ILogger<AgencyApplicationManager> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<Agency> store)
    : OpenIddictApplicationManager<Agency>(cache, logger, options, store)
{
    private readonly ILogger<AgencyApplicationManager> log = logger;

    public override ValueTask<bool> ValidatePublicKeyInfrastructureTlsClientCertificateAsync(
        Agency application, X509Certificate2 certificate, X509ChainPolicy policy, CancellationToken cancellationToken = default)
    {
        using var chain = new X509Chain { ChainPolicy = policy };
        try
        {
            // The policy is OpenIddict's PKI policy: custom root trust on the agency CA bundle, client-auth EKU.
            if (!chain.Build(certificate) || chain.ChainElements.Count < 2)
            {
                LogChainRejected(application.Id, certificate.Subject,
                    string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
                return ValueTask.FromResult(false);
            }
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }

        if (!CertificateSubjects.Matches(certificate, application.CertificateSubject))
        {
            LogSubjectMismatch(application.Id, CertificateSubjects.Of(certificate));
            return ValueTask.FromResult(false);
        }

        return ValueTask.FromResult(true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token request for client {ClientId} refused: certificate {Subject} does not chain to the agency CA bundle ({Status})")]
    private partial void LogChainRejected(string clientId, string subject, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token request for client {ClientId} refused: certificate subject {Subject} is not the one registered for this client")]
    private partial void LogSubjectMismatch(string clientId, string subject);
}
