using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Server.Auth;
using Gateway.Server.Hosting;

namespace Gateway.Server.Audit;

/// <summary>
/// Which certificate signs checkpoints: Gateway:Audit:SigningCertificate/SigningKey, or by default the
/// token-signing certificate (Gateway:Auth) — a key the gateway already protects and publishes the
/// certificate of. Verification needs the certificate (public key) only.
/// </summary>
internal static class AuditKeys
{
    public static (string Certificate, string? Key) Paths(IConfiguration configuration)
    {
        var audit = configuration.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions();
        if (!string.IsNullOrEmpty(audit.SigningCertificate))
        {
            return (audit.SigningCertificate, audit.SigningKey);
        }

        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        return (auth.SigningCertificate, auth.SigningKey);
    }

    public static string Thumbprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    /// <summary>Public keys by certificate thumbprint, from a PEM file of one or more certificates (several after a key rotation).</summary>
    public static Func<string, RSA?> PublicKeys(string pemPath)
    {
        var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
        foreach (var certificate in PemFiles.LoadCertificates(pemPath))
        {
            if (certificate.GetRSAPublicKey() is { } key)
            {
                keys[Thumbprint(certificate)] = key;
            }
        }

        return thumbprint => keys.GetValueOrDefault(thumbprint);
    }
}
