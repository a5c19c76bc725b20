using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Contracts.V1;
using Gateway.Server.Audit;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>A gateway whose token endpoint lets each certificate have 3 tokens and then one per hour.</summary>
public sealed class TokenLimitGateway : GatewayServer
{
    public const int Burst = 3;

    protected override IEnumerable<string> AdditionalArgs() =>
    [
        $"--Gateway:Limits:TokenEndpoint:Burst={Burst}",
        "--Gateway:Limits:TokenEndpoint:RequestsPerPeriod=1",
        "--Gateway:Limits:TokenEndpoint:ReplenishmentPeriod=01:00:00",
    ];
}

/// <summary>
/// An attacker holding a valid agency certificate hammers /connect/token: beyond the per-certificate
/// rate it gets HTTP 429 with Retry-After, each refusal is audited, and other agencies keep getting tokens.
/// </summary>
public sealed class TokenEndpointLimitTests(TokenLimitGateway gateway) : IClassFixture<TokenLimitGateway>
{
    [Fact]
    public async Task Beyond_the_rate_a_certificate_gets_429_with_retry_after_audited_and_other_agencies_are_unaffected()
    {
        using var fr = HttpWithCertificate("fr-customs");
        string? frToken = null;
        for (var i = 0; i < TokenLimitGateway.Burst; i++)
        {
            using var ok = await RequestTokenAsync(fr, "fr-customs");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            frToken = System.Text.Json.JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        }

        var store = gateway.Services.GetRequiredService<AuditStore>();
        var before = (await store.ReadHeadAsync()).Sequence;
        using (var refused = await RequestTokenAsync(fr, "fr-customs"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
            Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
            Assert.Contains("temporarily_unavailable", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Audited once, with the certificate that was refused; no agency (the client is not authenticated yet).
        var record = Assert.Single(await store.QueryAsync(before, null, null, null, null, 10, default));
        Assert.Equal((int)StatusCode.ResourceExhausted, record.StatusCode);
        Assert.Equal("POST /connect/token", record.Rpc);
        Assert.Equal(Thumbprint("fr-customs"), record.CertificateThumbprint);
        Assert.Contains("rate limited", record.RequestSummary, StringComparison.Ordinal);
        Assert.Equal("", record.AgencyId);

        // Claiming another client id with the same certificate does not open a new bucket: the limit is per subject.
        using (var asDe = await RequestTokenAsync(fr, "de-customs"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, asDe.StatusCode);
        }

        // Another agency is unaffected: its own certificate, its own bucket.
        using var de = HttpWithCertificate("de-customs");
        for (var i = 0; i < TokenLimitGateway.Burst; i++)
        {
            using var ok = await RequestTokenAsync(de, "de-customs");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // The refusal is at the token endpoint only: the refused agency's cached token still serves gRPC calls.
        using var connection = gateway.Connect("fr-customs");
        using var channel = connection.CreateChannel(_ => Task.FromResult(frToken));
        var shipment = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        Assert.NotNull(shipment);
    }

    private static Task<HttpResponseMessage> RequestTokenAsync(HttpClient http, string clientId) =>
        http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId,
        }));

    private HttpClient HttpWithCertificate(string client)
    {
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.Pki, client + ".crt"), Path.Combine(gateway.Pki, client + ".key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.RemoteCertificateValidationCallback = gateway.TrustedServer;
        return new HttpClient(handler) { BaseAddress = gateway.Address };
    }

    private string Thumbprint(string client)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(gateway.Pki, client + ".crt"));
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }
}
