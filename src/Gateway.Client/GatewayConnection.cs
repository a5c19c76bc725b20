using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.Client;

/// <summary>
/// A mutual-TLS connection to the gateway for one client certificate: fetches certificate-bound
/// access tokens (client_credentials, tls_client_auth) and opens gRPC channels that present them.
/// The same TLS connection settings are used for both, as RFC 8705 binding requires.
/// </summary>
internal sealed class GatewayConnection : IDisposable
{
    private readonly X509Certificate2 clientCertificate;
    private readonly X509Certificate2Collection? trustedCas;
    private readonly HttpClient http;
    private readonly string clientId;
    private readonly IReadOnlyList<string> scopes;
    private readonly SemaphoreSlim tokenLock = new(1, 1);
    private TokenResponse? token;
    private DateTimeOffset tokenExpires;

    public GatewayConnection(Uri address, X509Certificate2 clientCertificate, X509Certificate2Collection? trustedCas, string clientId, IReadOnlyList<string>? scopes = null)
    {
        Address = address;
        this.clientId = clientId;
        this.scopes = scopes ?? [];
        this.clientCertificate = clientCertificate;
        this.trustedCas = trustedCas;
        http = new HttpClient(CreateHandler(), disposeHandler: true) { BaseAddress = address };
    }

    /// <summary>
    /// One handler per channel (gRPC's balancer takes over a handler's connect callback), all with the
    /// same certificate: the token is bound to the certificate, not to one TCP connection.
    /// </summary>
    private SocketsHttpHandler CreateHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { clientCertificate },
            RemoteCertificateValidationCallback = trustedCas is null ? null : (_, certificate, _, errors) => TrustedBy(certificate, trustedCas, errors),
        },
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        EnableMultipleHttp2Connections = true,
    };

    public Uri Address { get; }

    /// <summary>Loads a PEM certificate and key (and optionally the CA that issued the gateway's certificate).</summary>
    public static GatewayConnection FromPem(Uri address, string certificatePath, string keyPath, string? caPath, string clientId, IReadOnlyList<string>? scopes = null)
    {
        var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // PKCS#12 round-trip: SslStream wants a persisted-style key on some platforms.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        X509Certificate2Collection? cas = null;
        if (caPath is not null)
        {
            cas = [];
            cas.ImportFromPemFile(caPath);
        }

        return new GatewayConnection(address, certificate, cas, clientId, scopes);
    }

    public async Task<TokenResponse> RequestTokenAsync(IEnumerable<string>? scopes = null, CancellationToken cancellationToken = default)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
        };
        var requested = (scopes ?? this.scopes).ToList();
        if (requested.Count > 0)
        {
            form.Add(new("scope", string.Join(' ', requested)));
        }

        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
            ?? throw new InvalidOperationException("Empty token response.");
        if (!response.IsSuccessStatusCode || body.AccessToken is null)
        {
            throw new TokenRequestException(body.Error ?? response.StatusCode.ToString(), body.ErrorDescription);
        }

        return body;
    }

    /// <summary>A cached token, renewed a little before it expires.</summary>
    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        await tokenLock.WaitAsync(cancellationToken);
        try
        {
            if (token is null || DateTimeOffset.UtcNow >= tokenExpires)
            {
                token = await RequestTokenAsync(cancellationToken: cancellationToken);
                tokenExpires = DateTimeOffset.UtcNow.AddSeconds(Math.Max(1, token.ExpiresIn - 30));
            }

            return token.AccessToken!;
        }
        finally
        {
            tokenLock.Release();
        }
    }

    /// <summary>A channel whose calls carry a bearer token from <paramref name="accessToken"/> (default: this connection's cached token).</summary>
    public GrpcChannel CreateChannel(Func<CancellationToken, Task<string?>>? accessToken = null)
    {
        accessToken ??= async ct => await GetAccessTokenAsync(ct);
        // One header string per token, not one per call: a token is about 1 KB, and a busy client makes
        // thousands of calls with the same one (the per-call concatenation was the client's largest garbage).
        BearerHeader? last = null;
        var credentials = CallCredentials.FromInterceptor(async (context, metadata) =>
        {
            if (await accessToken(context.CancellationToken) is { } value)
            {
                var header = last;
                if (header is null || !string.Equals(header.Token, value, StringComparison.Ordinal))
                {
                    header = last = new BearerHeader(value, "Bearer " + value);
                }

                metadata.Add("Authorization", header.Value);
            }
        });
        return GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = CreateHandler(),
            DisposeHttpClient = true,
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }

    private sealed record BearerHeader(string Token, string Value);

    public void Dispose()
    {
        http.Dispose();
        tokenLock.Dispose();
    }

    /// <summary>The gateway's certificate must chain to the given CA(s) only (custom root trust).</summary>
    private static bool TrustedBy(X509Certificate? certificate, X509Certificate2Collection roots, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}

internal sealed class TokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; init; }

    [JsonPropertyName("expires_in")]
    public int ExpiresIn { get; init; }

    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("error_description")]
    public string? ErrorDescription { get; init; }
}

internal sealed class TokenRequestException(string error, string? description)
    : Exception($"Token request refused: {error}{(description is null ? "" : " — " + description)}")
{
    public string Error { get; } = error;
}
