using System.Security.Cryptography.X509Certificates;
using Gateway.Server.Agencies;
using Gateway.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Gateway.Server.Auth;

internal static class AuthSetup
{
    public const string TokenEndpoint = "connect/token";

    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var tls = configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        services.Configure<AuthOptions>(configuration.GetSection(AuthOptions.Section));
        services.AddSingleton<AgencyStore>();

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.SetDefaultApplicationEntity<Agency>();
                core.ReplaceApplicationStore<Agency, AgencyApplicationStore>(ServiceLifetime.Singleton);
                core.ReplaceApplicationManager<Agency, AgencyApplicationManager>();
                // No caching of clients: a suspension must take effect on the very next token request.
                core.DisableEntityCaching();
            })
            .AddServer(server =>
            {
                server.SetIssuer(new Uri(options.Issuer));
                server.SetTokenEndpointUris(TokenEndpoint);
                server.AllowClientCredentialsFlow();
                server.RegisterScopes([.. Scopes.All]);
                // Scopes are checked against the agency's grant by RejectUngrantedScopes (invalid_scope);
                // OpenIddict's own check would need a scope table the gateway does not have.
                server.DisableScopeValidation();
                server.RegisterAudiences(options.Audience);

                // RFC 8705: clients authenticate with a certificate from the agency CA (tls_client_auth),
                // and every access token is bound to that certificate (cnf.x5t#S256).
                server.EnablePublicKeyInfrastructureTlsClientAuthentication(LoadPublicCaBundle(tls.ClientCaBundle));
                server.UseClientCertificateBoundAccessTokens();

                server.SetAccessTokenLifetime(options.AccessTokenLifetime);
                // Signed (RS256), not encrypted: agencies may inspect their tokens, and validation stays cheap.
                server.DisableAccessTokenEncryption();
                var signing = PemFiles.LoadCertificateWithKey(options.SigningCertificate, options.SigningKey);
                server.AddSigningCertificate(signing);
                foreach (var previous in options.PreviousSigningCertificates)
                {
                    // Validation only: OpenIddict signs with the valid certificate expiring last, so a
                    // previous one expiring later would silently take over signing. Refuse to start instead.
                    var old = PemFiles.LoadCertificateWithKey(previous.Certificate, previous.Key);
                    if (old.NotAfter >= signing.NotAfter)
                    {
                        throw new InvalidOperationException(
                            $"Previous token signing certificate {previous.Certificate} expires after the current one: it would sign. Renew with a later expiry.");
                    }

                    server.AddSigningCertificate(old);
                }

                server.AddEncryptionCertificate(PemFiles.LoadCertificateWithKey(options.EncryptionCertificate, options.EncryptionKey));

                // No token or authorization tables: tokens are self-contained JWTs with a short life.
                server.DisableTokenStorage();
                server.DisableAuthorizationStorage();

                server.AddEventHandler(RejectUngrantedScopes.Descriptor);
                server.AddEventHandler(IssueAgencyToken.Descriptor);

                server.UseAspNetCore();
                // UseAspNetCore re-adds client_secret_* methods; the gateway accepts certificates only.
                server.Configure(o =>
                {
                    o.ClientAuthenticationMethods.Clear();
                    o.ClientAuthenticationMethods.Add(OpenIddictConstants.ClientAuthenticationMethods.TlsClientAuth);
                });
            })
            .AddValidation(validation =>
            {
                // Same process: validation uses the server's keys and checks cnf against the connection's certificate.
                validation.UseLocalServer();
                validation.AddAudiences(options.Audience);
                validation.UseAspNetCore();
            });

        // The default scheme reuses OpenIddict's validation of a token for its lifetime (ValidatedTokens.cs says why that is safe).
        services.AddSingleton<ValidatedTokens>();
        services.AddAuthentication(CachedTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, CachedTokenAuthenticationHandler>(CachedTokenAuthenticationHandler.SchemeName, _ => { });
        // Gateway RPCs are authorized by their RpcScopeRequirement (UseGatewayAuthorization); ASP.NET Core's
        // authorization stays for every other endpoint.
        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// Authentication for every request. OpenIddict's server is an authentication *request handler*:
    /// ASP.NET Core's middleware runs it on every request so it can claim its own endpoints (token,
    /// discovery), which cost each gRPC call a dispatch through a dozen server handlers and two URI
    /// comparisons. Gateway RPCs are never OpenIddict endpoints, so on those paths only the default
    /// scheme (the bearer token, <see cref="CachedTokenAuthenticationHandler"/>) runs — the same
    /// principal the full middleware would set, so the audit of refused calls still names the agency.
    /// </summary>
    public static IApplicationBuilder UseGatewayAuthentication(this IApplicationBuilder app)
    {
        var tokens = app.ApplicationServices.GetRequiredService<ValidatedTokens>();
        app.UseWhen(IsGatewayRpc, rpc => rpc.Use((http, next) =>
        {
            // A token already validated on this certificate: its principal, straight from the cache.
            // The scheme's handler would return the same one (its first step is this look-up), but
            // reaching it builds the authentication service, the handler, a ticket and a result for
            // every call; they were a fifth of the garbage an audited call left behind.
            if (tokens.Find(http) is { } cached)
            {
                http.User = cached;
                return next(http);
            }

            // Anything else through the scheme: OpenIddict's validation, whose success is cached. It
            // may complete synchronously; then no state machine stays on the call's stack.
            var authenticating = http.AuthenticateAsync();
            if (!authenticating.IsCompletedSuccessfully)
            {
                return AuthenticateThenAsync(http, authenticating, next);
            }

            SetUser(http, authenticating.Result);
            return next(http);
        }));
        app.UseWhen(http => !IsGatewayRpc(http), other => other.UseAuthentication());
        // WebApplication adds UseAuthentication() at the head of the pipeline by itself unless it sees the
        // application call it; a call on a branch does not count. Left alone, it would run the full
        // middleware before everything above — the token endpoint's rate limiter included.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app;
    }

    /// <summary>
    /// Authorization: a gateway RPC admits a caller whose token holds one of the scopes its
    /// <see cref="RpcScopeRequirement"/> names (RpcScopes), as the scope policies of ASP.NET Core's
    /// authorization middleware did, and refuses the same way — a challenge (401, UNAUTHENTICATED)
    /// without an authenticated token, a forbid (403, PERMISSION_DENIED) without the scope, both
    /// answered by the default scheme (OpenIddict's WWW-Authenticate). That middleware resolved a policy
    /// evaluator, an authorization service, a handler context and a ticket for every call. Other
    /// endpoints keep it.
    /// </summary>
    public static IApplicationBuilder UseGatewayAuthorization(this IApplicationBuilder app)
    {
        app.UseWhen(IsGatewayRpc, rpc => rpc.Use((http, next) =>
        {
            // Every gateway RPC endpoint carries one (RequireRpcScopes refuses to start otherwise); a path
            // that matches no RPC has none and is answered UNIMPLEMENTED by gRPC, as before.
            if (http.GetEndpoint()?.Metadata.GetMetadata<RpcScopeRequirement>() is not { } required)
            {
                return next(http);
            }

            var user = http.User;
            if (user.Identity?.IsAuthenticated != true)
            {
                return http.ChallengeAsync();
            }

            return required.Admits(user) ? next(http) : http.ForbidAsync();
        }));
        app.UseWhen(http => !IsGatewayRpc(http), other => other.UseAuthorization());
        // As for authentication: WebApplication would otherwise add UseAuthorization() for every request.
        app.Properties["__AuthorizationMiddlewareSet"] = true;
        return app;
    }

    private static async Task AuthenticateThenAsync(HttpContext http, Task<AuthenticateResult> authenticating, RequestDelegate next)
    {
        SetUser(http, await authenticating);
        await next(http);
    }

    private static void SetUser(HttpContext http, AuthenticateResult result)
    {
        if (result.Principal is not null)
        {
            http.User = result.Principal;
        }
    }

    private static bool IsGatewayRpc(HttpContext http) =>
        http.Request.Path.Value?.StartsWith(Audit.AuditInterceptor.AuditedPrefix, StringComparison.Ordinal) == true;

    /// <summary>OpenIddict refuses CA certificates that carry a private key (ID0511): hand it public-only copies.</summary>
    private static X509Certificate2Collection LoadPublicCaBundle(string path)
    {
        var collection = new X509Certificate2Collection();
        foreach (var certificate in PemFiles.LoadCertificates(path))
        {
            collection.Add(X509CertificateLoader.LoadCertificate(certificate.RawData));
        }

        return collection;
    }

    /// <summary>Applies the RpcScopes table to every gateway gRPC endpoint; an RPC missing from it fails start-up.</summary>
    public static TBuilder RequireRpcScopes<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var grpc = endpoint.Metadata.OfType<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>().FirstOrDefault();
            if (grpc is null)
            {
                return;
            }

            if (!RpcScopes.TryGetPolicy(grpc.Method.FullName, out var policy))
            {
                throw new InvalidOperationException($"RPC {grpc.Method.FullName} has no scope in RpcScopes: refusing to serve it unprotected.");
            }

            endpoint.Metadata.Add(new RpcScopeRequirement(policy));
        });
        return builder;
    }
}

/// <summary>Endpoint metadata of a gateway RPC: the scopes (RpcScopes' policy, '|' meaning any of them) that admit a caller.</summary>
internal sealed class RpcScopeRequirement(string policy)
{
    private readonly string[] anyOf = policy.Split('|');

    public bool Admits(System.Security.Claims.ClaimsPrincipal user)
    {
        // A loop, not LINQ with a closure: this runs on every call.
        foreach (var scope in anyOf)
        {
            if (user.HasGrantedScope(scope))
            {
                return true;
            }
        }

        return false;
    }
}
