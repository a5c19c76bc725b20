using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Gateway.Server.Auth;

/// <summary>
/// Access tokens already validated by OpenIddict, kept until they expire, keyed by the token and the
/// certificate it was presented with. A customs system reuses one token for hundreds of calls; full
/// validation (JWT parse, RS256 signature, cnf check, a dozen OpenIddict handlers resolved per call)
/// was the largest cost of a GetShipment after the database. What makes reuse safe:
/// <list type="bullet">
/// <item>Tokens are self-contained JWTs with no revocation: validating the same bytes again can only
/// change its answer when the clock passes the token's expiry, and every hit checks that expiry
/// against the same clock OpenIddict uses.</item>
/// <item>The hit also requires the very certificate (its DER bytes) the token was validated with, so
/// the RFC 8705 binding (cnf.x5t#S256) still holds: a token stolen from its connection misses the
/// cache and is refused by OpenIddict.</item>
/// <item>Suspension is checked per call after authentication (<see cref="Grpc.CallerInterceptor"/>),
/// not at validation, so it stays immediate.</item>
/// </list>
/// What it changes: a signing key withdrawn from configuration (a key compromise) stops validating
/// cached tokens only when they expire — at most the token lifetime (300 s by default); a restart
/// empties the cache at once. Refusals are never cached.
/// </summary>
internal sealed class ValidatedTokens(TimeProvider clock)
{
    /// <summary>Bounds memory against a flood of distinct valid tokens (each needs a certificate and a token request).</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public int Count => entries.Count;

    /// <summary>The principal validated for this token on this certificate, or null. Looks the token up
    /// as a span of the Authorization header: a hit allocates no copy of the ~1 KB token.</summary>
    public GatewayPrincipal? Find(ReadOnlySpan<char> token, ReadOnlySpan<byte> certificate)
    {
        var lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(token, out var key, out var entry))
        {
            return null;
        }

        if (entry.Expires <= clock.GetUtcNow())
        {
            entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return null;
        }

        return certificate.SequenceEqual(entry.Certificate) ? entry.Principal : null;
    }

    /// <summary>The principal the call goes on with: the cached one, or <paramref name="principal"/> itself when it cannot be kept.</summary>
    public ClaimsPrincipal Add(string token, ReadOnlySpan<byte> certificate, ClaimsPrincipal principal)
    {
        if (principal.GetExpirationDate() is not { } expires)
        {
            return principal;
        }

        if (entries.Count >= MaxEntries)
        {
            var now = clock.GetUtcNow();
            foreach (var (key, entry) in entries)
            {
                if (entry.Expires <= now)
                {
                    entries.TryRemove(key, out _);
                }
            }

            if (entries.Count >= MaxEntries)
            {
                return principal;
            }
        }

        var kept = new GatewayPrincipal(principal);
        entries[token] = new Entry(certificate.ToArray(), kept, expires);
        return kept;
    }

    /// <summary>
    /// The cached principal for the request's bearer token on its connection's certificate, or null (no
    /// token, no certificate, or not validated yet). What the authentication scheme's hit returns, without
    /// the authentication service, handler and ticket built around it for every request.
    /// </summary>
    public GatewayPrincipal? Find(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var certificate = http.Connection.ClientCertificate;
        return certificate is not null && BearerToken(header, out var token)
            ? Find(header.AsSpan(token.Start, token.Length), certificate.RawDataMemory.Span)
            : null;
    }

    /// <summary>Where the token sits in an "Authorization: Bearer …" header (trimmed), without copying it.</summary>
    internal static bool BearerToken(string header, out (int Start, int Length) token)
    {
        token = default;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var value = header.AsSpan(7);
        var trimmed = value.Trim();
        if (trimmed.IsEmpty)
        {
            return false;
        }

        token = (7 + (value.Length - value.TrimStart().Length), trimmed.Length);
        return true;
    }

    private sealed record Entry(byte[] Certificate, GatewayPrincipal Principal, DateTimeOffset Expires);
}

/// <summary>
/// The gateway's authentication scheme: a cache hit in <see cref="ValidatedTokens"/>, otherwise
/// OpenIddict's validation, whose success is cached. Challenges and forbids go to OpenIddict, so a
/// refused call gets OpenIddict's standard WWW-Authenticate answer.
/// </summary>
internal sealed class CachedTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ValidatedTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "gateway-token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (tokens.Find(Context) is { } cached)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(cached, SchemeName));
        }

        await EnsureValidationTransactionAsync();
        var result = await Context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded)
        {
            return result;
        }

        var header = Request.Headers.Authorization.ToString();
        var certificate = Context.Connection.ClientCertificate;
        var principal = certificate is not null && ValidatedTokens.BearerToken(header, out var token)
            ? tokens.Add(header.Substring(token.Start, token.Length), certificate.RawDataMemory.Span, result.Principal)
            : result.Principal;
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    // Refusals are answered by OpenIddict (its standard WWW-Authenticate error), like before the cache.
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await EnsureValidationTransactionAsync();
        await Context.ChallengeAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, properties);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        await EnsureValidationTransactionAsync();
        await Context.ForbidAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, properties);
    }

    /// <summary>
    /// OpenIddict's validation works inside a per-request transaction that its request-handler step
    /// creates. The full authentication middleware runs that step for every request; gateway RPCs skip
    /// it (AuthSetup.UseGatewayAuthentication), so it runs here, only when OpenIddict is needed: a cache
    /// miss, a challenge, a forbid.
    /// </summary>
    private async Task EnsureValidationTransactionAsync()
    {
        if (Context.Features.Get<OpenIddictValidationAspNetCoreFeature>()?.Transaction is null
            && await Context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>()
                .GetHandlerAsync(Context, OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme) is IAuthenticationRequestHandler validation)
        {
            await validation.HandleRequestAsync();
        }
    }
}
