using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Server.Agencies;
using Gateway.Server.Hosting;
using Gateway.Server.Pki;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests;

public sealed class CertificateTests
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    [Fact]
    public void Subjects_compare_equal_whatever_the_spacing_and_survive_a_round_trip()
    {
        var registered = CertificateSubjects.Normalise("CN=fr-customs,O=DGDDI,C=FR");
        Assert.Equal(registered, CertificateSubjects.Normalise("CN=fr-customs, O=DGDDI, C=FR"));
        Assert.Equal(registered, CertificateSubjects.Normalise(registered));

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = DevPki.CreateCa("CN=Test CA", caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = DevPki.Issue(ca, "CN=fr-customs, O=DGDDI, C=FR", key, ClientAuth);
        Assert.True(CertificateSubjects.Matches(certificate, "CN=fr-customs,O=DGDDI,C=FR"));
        Assert.False(CertificateSubjects.Matches(certificate, "CN=fr-customs, O=DGDDI, C=DE"));
    }

    [Fact]
    public void The_handshake_check_accepts_only_client_certificates_of_the_configured_CA()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = DevPki.CreateCa("CN=Agency CA", caKey);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = DevPki.CreateCa("CN=Agency CA", otherKey); // same name, different key
        var validator = new ClientCertificateValidator([X509CertificateLoader.LoadCertificate(ca.RawData)], NullLogger<ClientCertificateValidator>.Instance);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var good = DevPki.Issue(ca, "CN=agency", key, ClientAuth);
        using var serverOnly = DevPki.Issue(ca, "CN=agency", key, ServerAuth);
        using var foreign = DevPki.Issue(other, "CN=agency", key, ClientAuth);
        using var expired = DevPki.Issue(ca, "CN=agency", key, ClientAuth,
            notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));

        Assert.Null(validator.Check(good));
        Assert.Contains("NotValidForUsage", validator.Check(serverOnly), StringComparison.Ordinal);
        Assert.NotNull(validator.Check(foreign));
        Assert.Contains("NotTimeValid", validator.Check(expired), StringComparison.Ordinal);
        Assert.False(validator.Validate(null, null));
    }

    [Fact]
    public void The_dev_PKI_writes_keys_readable_by_the_owner_only()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-pki-" + Guid.NewGuid().ToString("N"));
        try
        {
            DevPki.Create(directory);
            Assert.True(DevPki.Exists(directory));
            foreach (var key in OperatingSystem.IsWindows() ? [] : Directory.GetFiles(directory, "*.key"))
            {
#pragma warning disable CA1416 // guarded above: POSIX file modes
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
#pragma warning restore CA1416
            }

            using var server = PemFiles.LoadCertificateWithKey(Path.Combine(directory, "server.crt"), Path.Combine(directory, "server.key"));
            Assert.True(server.HasPrivateKey);
            Assert.True(server.MatchesHostname("localhost"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
