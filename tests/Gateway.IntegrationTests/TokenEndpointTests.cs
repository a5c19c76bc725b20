using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Gateway.Client;
using Gateway.Contracts.V1;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>The OAuth side: RFC 8705 client authentication, certificate-bound tokens, lifetimes, discovery.</summary>
public sealed class TokenEndpointTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task The_token_is_bound_to_the_certificate_and_carries_agency_scopes_and_a_five_minute_life()
    {
        using var fr = gateway.Connect("fr-customs");
        var response = await fr.RequestTokenAsync();
        Assert.InRange(response.ExpiresIn, 295, 300);

        var (header, payload) = Decode(response.AccessToken!);
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(gateway.Pki, "fr-customs.crt"));
        var expected = Base64Url(SHA256.HashData(certificate.RawData));
        Assert.Equal(expected, payload.GetProperty("cnf").GetProperty("x5t#S256").GetString());
        Assert.Equal("fr-customs", payload.GetProperty("agency_id").GetString());
        Assert.Equal("gateway", payload.GetProperty("aud").GetString());
        Assert.Equal(300, payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64());
        Assert.Equal(
            ["leads:read", "seizures:read", "seizures:write", "sellers:read", "shipments:read"],
            payload.GetProperty("scope").GetString()!.Split(' ').Order());

        // Signed (RS256) with the configured key, not a per-start ephemeral one.
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        using var signing = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(gateway.Pki, "token-signing.crt"));
        Assert.Equal(signing.Thumbprint, header.GetProperty("kid").GetString());
    }

    [Fact]
    public async Task Asking_for_a_scope_that_was_not_granted_is_invalid_scope_naming_it()
    {
        using var fr = gateway.Connect("fr-customs");
        var e = await Assert.ThrowsAsync<TokenRequestException>(() => fr.RequestTokenAsync(["shipments:read", "audit:read", "ingest:write"]));
        Assert.Equal("invalid_scope", e.Error);
        Assert.Contains("audit:read", e.Message, StringComparison.Ordinal);
        Assert.Contains("ingest:write", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("shipments:read", e.Message, StringComparison.Ordinal);

        var granted = await fr.RequestTokenAsync(["shipments:read"]);
        Assert.Equal("shipments:read", Decode(granted.AccessToken!).Payload.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task A_certificate_of_an_unregistered_subject_is_invalid_client()
    {
        // Issued by the trusted CA, so the handshake succeeds; but no client is registered with this subject.
        Gateway.Server.Pki.DevPki.IssueClient(gateway.Pki, "stranger", "CN=stranger, O=Nobody");
        using var asFr = gateway.Connect("stranger", clientId: "fr-customs");
        var e = await Assert.ThrowsAsync<TokenRequestException>(() => asFr.RequestTokenAsync());
        Assert.Equal("invalid_client", e.Error);

        using var asItself = gateway.Connect("stranger", clientId: "stranger");
        e = await Assert.ThrowsAsync<TokenRequestException>(() => asItself.RequestTokenAsync());
        Assert.Equal("invalid_client", e.Error);

        // Another agency's valid certificate cannot claim fr-customs either.
        using var deAsFr = gateway.Connect("de-customs", clientId: "fr-customs");
        e = await Assert.ThrowsAsync<TokenRequestException>(() => deAsFr.RequestTokenAsync());
        Assert.Equal("invalid_client", e.Error);
        Assert.True(gateway.Logged("is not the one registered for this client"));
    }

    [Fact]
    public async Task Only_the_client_credentials_grant_is_accepted()
    {
        using var http = HttpWithCertificate("fr-customs");
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = "fr-customs", ["username"] = "a", ["password"] = "b",
        }));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Discovery_advertises_tls_client_auth_only_and_certificate_bound_tokens()
    {
        using var http = HttpWithCertificate("fr-customs");
        var discovery = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration")).RootElement;
        Assert.Equal(["tls_client_auth"], discovery.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.True(discovery.GetProperty("tls_client_certificate_bound_access_tokens").GetBoolean());
        Assert.Equal(["client_credentials"], discovery.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_token_stops_working_when_it_expires()
    {
        using var fr = gateway.Connect("fr-customs");
        var token = (await fr.RequestTokenAsync()).AccessToken;
        using var channel = fr.CreateChannel(_ => Task.FromResult(token));
        var client = new ShipmentService.ShipmentServiceClient(channel);

        gateway.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("FR", (await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);

        gateway.Clock.Advance(TimeSpan.FromMinutes(2));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);

        // A fresh token at the new time works again.
        var fresh = (await fr.RequestTokenAsync()).AccessToken;
        using var freshChannel = fr.CreateChannel(_ => Task.FromResult(fresh));
        Assert.Equal("FR", (await new ShipmentService.ShipmentServiceClient(freshChannel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);
    }

    private HttpClient HttpWithCertificate(string client)
    {
        var pem = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.Pki, client + ".crt"), Path.Combine(gateway.Pki, client + ".key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.RemoteCertificateValidationCallback = gateway.TrustedServer;
        return new HttpClient(handler) { BaseAddress = gateway.Address };
    }

    private static (JsonElement Header, JsonElement Payload) Decode(string jwt)
    {
        var parts = jwt.Split('.');
        return (Parse(parts[0]), Parse(parts[1]));

        static JsonElement Parse(string part)
        {
            var padded = part.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(padded))).RootElement;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
