using System.Collections.Frozen;
using System.Security.Claims;
using System.Security.Principal;
using OpenIddict.Abstractions;

namespace Gateway.Server.Auth;

/// <summary>
/// A validated access token's principal with what every call asks of it read once: the agency, the
/// client, the scopes, the primary identity. It is built when <see cref="ValidatedTokens"/> keeps a
/// token, so all calls made with that token share it. Claim look-ups walk the identity's claim list and
/// allocate an enumerator or a predicate each; four of them ran on every call (caller, limits, audit,
/// scope check). The claims themselves are the validated principal's, unchanged.
/// </summary>
internal sealed class GatewayPrincipal : ClaimsPrincipal
{
    private readonly IIdentity? identity;
    private readonly FrozenSet<string> scopes;

    public GatewayPrincipal(ClaimsPrincipal validated)
        : base(validated.Identities)
    {
        identity = base.Identity;
        AgencyId = base.FindFirst(GatewayClaims.AgencyId)?.Value;
        ClientId = base.FindFirst(OpenIddictConstants.Claims.ClientId)?.Value;
        // Exactly what OpenIddict's HasScope matches: each "oi_scp" claim's value, compared ordinally.
        scopes = base.FindAll(OpenIddictConstants.Claims.Private.Scope).Select(c => c.Value).ToFrozenSet(StringComparer.Ordinal);
    }

    public string? AgencyId { get; }

    public string? ClientId { get; }

    public override IIdentity? Identity => identity;

    public bool HasScope(string scope) => scopes.Contains(scope);
}
