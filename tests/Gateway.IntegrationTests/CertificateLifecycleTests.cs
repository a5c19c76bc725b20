using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Pki;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.IntegrationTests;

/// <summary>A gateway checking client certificates against a CRL file of the dev CA (initially empty).</summary>
public sealed class CrlGateway : GatewayServer, IAsyncLifetime
{
    public string CrlPath => Path.Combine(Root, "clients.crl");

    private int crlNumber;

    protected override IEnumerable<string> AdditionalArgs() => [$"--Gateway:Tls:ClientCrl={CrlPath}"];

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        PublishCrl();
    }

    /// <summary>Writes a new CRL of the dev CA revoking <paramref name="revoked"/> (replacing the file atomically, as a CA's publisher would).</summary>
    public void PublishCrl(params X509Certificate2[] revoked)
    {
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(Pki, "ca.crt"), Path.Combine(Pki, "ca.key"));
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate);
        }

        var der = builder.Build(ca, ++crlNumber, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        var temporary = CrlPath + ".tmp";
        File.WriteAllText(temporary, PemEncoding.WriteString("X509 CRL", der));
        File.Move(temporary, CrlPath, overwrite: true);
    }

    /// <summary>A fresh certificate for <paramref name="subject"/> from the dev CA, written as {name}.crt/.key under Root.</summary>
    public X509Certificate2 IssueClient(string name, string subject)
    {
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(Pki, "ca.crt"), Path.Combine(Pki, "ca.key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = DevPki.Issue(ca, subject, key, new Oid("1.3.6.1.5.5.7.3.2"));
        File.WriteAllText(Path.Combine(Root, name + ".crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Root, name + ".key"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}

/// <summary>
/// Certificates change while the gateway runs: an agency renews its certificate (same subject, new
/// key) with no downtime, its CA revokes the old one through the CRL file, and the gateway's own
/// server certificate is replaced — all without a restart.
/// </summary>
public sealed class CertificateLifecycleTests(CrlGateway gateway) : IClassFixture<CrlGateway>
{
    private const string Subject = "CN=nl-customs, O=Douane (test), C=NL";

    [Fact]
    public async Task Agency_certificate_rotation_without_downtime_then_revocation_of_the_old_one_at_the_handshake()
    {
        using var oldCertificate = gateway.IssueClient("nl-old", Subject);
        await gateway.Agencies.AddAsync(new Agency("nl-customs", Agency.KindAgency, "NL customs (test)", Agency.StatusActive,
            ["FR"], ["shipments:read"], new HashSet<DataSubset> { DataSubset.ShipmentCore }, Subject, null, 60));
        Assert.Equal("FR", await GetAsync("nl-old"));

        // Renewal: a new key, the same subject — no registry change, and both certificates work side by side.
        using var newCertificate = gateway.IssueClient("nl-new", Subject);
        Assert.NotEqual(oldCertificate.SerialNumber, newCertificate.SerialNumber);
        Assert.Equal("FR", await GetAsync("nl-new"));
        Assert.Equal("FR", await GetAsync("nl-old"));

        // The CA revokes the old certificate: the next handshake with it fails, with no restart; the new one still works.
        gateway.PublishCrl(oldCertificate);
        // (The connection breaks in the handshake; the client sees it while fetching its token or starting the call.)
        var e = await Assert.ThrowsAnyAsync<Exception>(() => GetAsync("nl-old"));
        Assert.True(e is HttpRequestException or RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Internal }, e.ToString());
        Assert.True(await gateway.EventuallyLoggedAsync($"revoked (serial {oldCertificate.SerialNumber.TrimStart('0')}"), "the refusal names the revocation");
        Assert.Equal("FR", await GetAsync("nl-new"));

        // A later CRL without the entry (e.g. a hold lifted) is picked up as well.
        gateway.PublishCrl();
        Assert.Equal("FR", await GetAsync("nl-old"));
    }

    [Fact]
    public async Task The_server_certificate_is_replaced_without_restart_and_open_connections_keep_working()
    {
        var (before, open) = await HealthAsync();

        // Replace the server certificate files (a renewal from the same CA).
        using (var ca = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.Pki, "ca.crt"), Path.Combine(gateway.Pki, "ca.key")))
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var renewed = DevPki.Issue(ca, "CN=localhost", key, new Oid("1.3.6.1.5.5.7.3.1"), serverNames: true))
        {
            File.WriteAllText(Path.Combine(gateway.Pki, "server.key"), key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(gateway.Pki, "server.crt"), renewed.ExportCertificatePem());
        }

        var (after, fresh) = await HealthAsync();
        Assert.NotEqual(before, after);
        Assert.True(await gateway.EventuallyLoggedAsync("Server certificate reloaded"));

        // The connection opened before the change still answers (it keeps the certificate it negotiated).
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving,
            (await new Grpc.Health.V1.Health.HealthClient(open.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status);
        Assert.Equal(1, open.Handshakes);
        open.Channel.Dispose();
        fresh.Channel.Dispose();
    }

    private sealed class Probe
    {
        public required GrpcChannel Channel { get; init; }

        public int Handshakes { get; set; }
    }

    /// <summary>A health check on a new connection; returns the thumbprint of the server certificate it saw and the open channel.</summary>
    private async Task<(string Thumbprint, Probe Probe)> HealthAsync()
    {
        var pem = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.Pki, "fr-customs.crt"), Path.Combine(gateway.Pki, "fr-customs.key"));
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var seen = "";
        Probe? probe = null;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [client];
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            seen = certificate!.GetCertHashString();
            probe!.Handshakes++;
            return gateway.TrustedServer(sender, certificate, chain, errors);
        };
        probe = new Probe { Channel = GrpcChannel.ForAddress(gateway.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true }) };
        var response = await new Grpc.Health.V1.Health.HealthClient(probe.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.NotEqual(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Unknown, response.Status);
        return (seen, probe);
    }

    /// <summary>One GetShipment on a brand-new connection (so a new handshake) with the named certificate.</summary>
    private async Task<string> GetAsync(string name)
    {
        using var connection = gateway.ConnectWith(gateway.Root, name, "nl-customs");
        using var channel = connection.CreateChannel();
        return (await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry;
    }
}
