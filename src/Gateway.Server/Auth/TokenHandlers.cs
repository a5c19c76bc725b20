using System.Security.Claims;
using Gateway.Server.Agencies;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Gateway.Server.Auth;

/// <summary>
/// RFC 6749 §5.2: asking for a scope the client was not granted is "invalid_scope", and the agency
/// is told which ones. (OpenIddict's own permission check answers the less precise "invalid_request".)
/// Runs after the client has been authenticated by its certificate.
/// </summary>
internal sealed class RejectUngrantedScopes(AgencyStore agencies) : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseScopedHandler<RejectUngrantedScopes>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        if (context.ClientId is not { Length: > 0 } clientId || await agencies.FindAsync(clientId) is not { } agency)
        {
            return; // OpenIddict has already refused an unknown client.
        }

        var denied = context.Request.GetScopes().Where(s => !agency.Scopes.Contains(s, StringComparer.Ordinal)).ToList();
        if (denied.Count > 0)
        {
            context.Reject(Errors.InvalidScope, $"Scope(s) not granted to this client: {string.Join(' ', denied)}.");
        }
    }
}

/// <summary>
/// Issues the access token for a client_credentials request: the agency id, the granted scopes
/// (all of the agency's scopes when none are asked for), the gateway audience. OpenIddict adds
/// cnf.x5t#S256 of the connection's certificate (certificate-bound token, RFC 8705 §3).
/// </summary>
internal sealed class IssueAgencyToken(AgencyStore agencies, IOptions<AuthOptions> options) : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseScopedHandler<IssueAgencyToken>()
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        if (!context.Request.IsClientCredentialsGrantType())
        {
            context.Reject(Errors.UnsupportedGrantType, "Only the client_credentials grant is supported.");
            return;
        }

        var agency = await agencies.FindAsync(context.ClientId!);
        if (agency is not { IsActive: true })
        {
            context.Reject(Errors.InvalidClient, "The client is not registered or is suspended.");
            return;
        }

        var requested = context.Request.GetScopes();
        var scopes = requested.IsDefaultOrEmpty ? agency.Scopes.ToList() : requested.ToList();

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        // No display name in the token (decision 95): the gateway never reads it, and every call carries the
        // token, so its bytes are paid on each one. The agency's name is in the registry.
        identity.SetClaim(Claims.Subject, agency.Id)
            .SetClaim(GatewayClaims.AgencyId, agency.Id);
        identity.SetScopes(scopes);
        identity.SetAudiences(options.Value.Audience);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        context.SignIn(new ClaimsPrincipal(identity));
    }
}
