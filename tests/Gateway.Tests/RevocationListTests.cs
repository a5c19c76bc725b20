using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Server.Hosting;
using Gateway.Server.Pki;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests;

/// <summary>The CRL parser and signature check behind the handshake's revocation check (CRLs built by .NET's own builder).</summary>
public sealed class RevocationListTests
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    [Fact]
    public void A_revoked_serial_is_refused_and_others_pass()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = DevPki.CreateCa("CN=Agency CA", caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var revoked = DevPki.Issue(ca, "CN=agency", key, ClientAuth);
        using var kept = DevPki.Issue(ca, "CN=agency", key, ClientAuth);
        var crl = new CertificateRevocationListBuilder();
        crl.AddEntry(revoked);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, PemEncoding.WriteString("X509 CRL", crl.Build(ca, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256)));
            var trusted = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(ca.RawData) };
            var list = new ClientRevocationList(file, trusted, TimeProvider.System, NullLogger<ClientRevocationList>.Instance);
            Assert.StartsWith("revoked (serial", list.Check(revoked), StringComparison.Ordinal);
            Assert.Null(list.Check(kept));

            var validator = new ClientCertificateValidator(trusted, NullLogger<ClientCertificateValidator>.Instance, list);
            Assert.StartsWith("revoked", validator.Check(revoked), StringComparison.Ordinal);
            Assert.Null(validator.Check(kept));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_crl_with_a_bad_signature_or_from_another_ca_is_rejected()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = DevPki.CreateCa("CN=Agency CA", caKey);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var impostor = DevPki.CreateCa("CN=Agency CA", otherKey); // same name, different key
        var trusted = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(ca.RawData) };
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry([0x01, 0x02]);

        var good = builder.Build(ca, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        Assert.Contains("102", ClientRevocationList.Parse(good, trusted).RevokedSerials);

        var forged = builder.Build(impostor, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        Assert.Throws<CryptographicException>(() => ClientRevocationList.Parse(forged, trusted));

        var tampered = (byte[])good.Clone();
        // The revoked serial (INTEGER 0x0102), inside the signed part: still well-formed, no longer signed.
        var at = tampered.AsSpan().IndexOf(new byte[] { 0x02, 0x02, 0x01, 0x02 });
        Assert.True(at > 0);
        tampered[at + 3] = 0x03;
        Assert.Throws<CryptographicException>(() => ClientRevocationList.Parse(tampered, trusted));
    }

    [Fact]
    public void A_configured_but_missing_crl_refuses_everyone()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = DevPki.CreateCa("CN=Agency CA", caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = DevPki.Issue(ca, "CN=agency", key, ClientAuth);
        var list = new ClientRevocationList(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".crl"),
            [X509CertificateLoader.LoadCertificate(ca.RawData)], TimeProvider.System, NullLogger<ClientRevocationList>.Instance);
        Assert.Equal("revocation list unavailable", list.Check(certificate));
    }
}
