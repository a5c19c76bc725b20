using System.Security.Claims;

namespace Gateway.Server.Auth;

internal static class GatewayClaims
{
    /// <summary>The registered client (agency, platform or oversight body) the token was issued to.</summary>
    public const string AgencyId = "agency_id";

    public static string? GetAgencyId(this ClaimsPrincipal principal) => principal.FindFirst(AgencyId)?.Value;
}
