using System.Security.Claims;
using OpenIddict.Abstractions;

namespace Gateway.Server.Auth;

internal static class GatewayClaims
{
    /// <summary>The registered client (agency, platform or oversight body) the token was issued to.</summary>
    public const string AgencyId = "agency_id";

    // A cached token's principal answers from fields read once (GatewayPrincipal); any other principal
    // from its claims, as before.
    public static string? GetAgencyId(this ClaimsPrincipal principal) =>
        principal is GatewayPrincipal gateway ? gateway.AgencyId : principal.FindFirst(AgencyId)?.Value;

    public static string? GetClientId(this ClaimsPrincipal principal) =>
        principal is GatewayPrincipal gateway ? gateway.ClientId : principal.FindFirst(OpenIddictConstants.Claims.ClientId)?.Value;

    /// <summary>Whether the token granted <paramref name="scope"/>: OpenIddict's HasScope, without walking the claims for a cached token.</summary>
    public static bool HasGrantedScope(this ClaimsPrincipal principal, string scope) =>
        principal is GatewayPrincipal gateway ? gateway.HasScope(scope) : principal.HasScope(scope);
}
