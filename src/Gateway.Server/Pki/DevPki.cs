using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Server.Pki;

/// <summary>
/// A development PKI, generated locally (never committed): a dev CA, the server certificate for
/// localhost, the gateway's own push-client certificate, certificates for the demo agencies and the
/// platform, and the RSA keys that sign and encrypt tokens. Production deployments point the same
/// settings at certificates from the agencies' real CAs (see certs/README.md).
/// </summary>
internal static class DevPki
{
    public const string CaName = "ca";
    public const string ServerName = "server";
    public const string PushClientName = "gateway-push";
    public const string SigningName = "token-signing";
    public const string EncryptionName = "token-encryption";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>The demo clients: id, subject, and what the demo registers them for.</summary>
    public static readonly IReadOnlyList<DemoClient> DemoClients =
    [
        new("fr-customs", "CN=fr-customs, O=Direction generale des douanes (demo), C=FR"),
        new("de-customs", "CN=de-customs, O=Generalzolldirektion (demo), C=DE"),
        new("platform", "CN=platform, O=Marketplace (demo)"),
        new("oversight", "CN=oversight, O=Gateway data protection officer (demo)"),
    ];

    /// <summary>
    /// Demo agencies that also get a LeadReceiver server certificate ("{id}-receiver.crt/.key", serverAuth
    /// for localhost), so `gateway-client leads listen` can receive pushed leads out of the box.
    /// </summary>
    public static readonly IReadOnlyList<string> DemoReceivers = ["fr-customs", "de-customs"];

    public static string ReceiverName(string agencyId) => agencyId + "-receiver";

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, CaName + ".crt"));

    public static void Create(string directory)
    {
        Directory.CreateDirectory(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa("CN=Gateway Dev CA, O=Gateway (development only)", caKey);
        Write(directory, CaName, ca, caKey);

        using (var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var server = Issue(ca, "CN=localhost", serverKey, ServerAuth, serverNames: true))
        {
            Write(directory, ServerName, server, serverKey);
        }

        IssueClient(directory, ca, PushClientName, "CN=gateway-push, O=Gateway");
        foreach (var client in DemoClients)
        {
            IssueClient(directory, ca, client.Id, client.Subject);
        }

        foreach (var agencyId in DemoReceivers)
        {
            using var receiverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var receiver = Issue(ca, $"CN=localhost, O={agencyId} lead receiver (demo)", receiverKey, ServerAuth, serverNames: true);
            Write(directory, ReceiverName(agencyId), receiver, receiverKey);
        }

        WriteRsaSelfSigned(directory, SigningName, "CN=Gateway token signing", X509KeyUsageFlags.DigitalSignature);
        WriteRsaSelfSigned(directory, EncryptionName, "CN=Gateway token encryption", X509KeyUsageFlags.KeyEncipherment);
    }

    /// <summary>Issues a client-authentication certificate from the CA in <paramref name="directory"/>.</summary>
    public static void IssueClient(string directory, string name, string subject)
    {
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(directory, CaName + ".crt"), Path.Combine(directory, CaName + ".key"));
        IssueClient(directory, ca, name, subject);
    }

    public static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset? notAfter = null)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(10));
    }

    public static X509Certificate2 Issue(
        X509Certificate2 ca, string subject, ECDsa key, Oid usage, bool serverNames = false,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (serverNames)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var certificate = request.Create(ca, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(2), serial);
        return certificate.CopyWithPrivateKey(key);
    }

    private static void IssueClient(string directory, X509Certificate2 ca, string name, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = Issue(ca, subject, key, ClientAuth);
        Write(directory, name, certificate, key);
    }

    private static void WriteRsaSelfSigned(string directory, string name, string subject, X509KeyUsageFlags usage)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificate.ExportCertificatePem());
        WritePrivate(Path.Combine(directory, name + ".key"), key.ExportPkcs8PrivateKeyPem());
    }

    private static void Write(string directory, string name, X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificate.ExportCertificatePem());
        WritePrivate(Path.Combine(directory, name + ".key"), key.ExportPkcs8PrivateKeyPem());
    }

    private static void WritePrivate(string path, string pem)
    {
        File.WriteAllText(path, pem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    internal sealed record DemoClient(string Id, string Subject);
}
