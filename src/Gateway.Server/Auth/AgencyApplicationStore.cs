using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Gateway.Server.Agencies;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Gateway.Server.Auth;

/// <summary>
/// OpenIddict's application store, read-only over the gateway's own agency table (no Entity Framework).
/// Registration happens through `gateway agencies add`, never through OpenIddict.
/// </summary>
internal sealed class AgencyApplicationStore(AgencyStore agencies) : IOpenIddictApplicationStore<Agency>
{
    public async ValueTask<Agency?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        var agency = await agencies.FindAsync(identifier, cancellationToken);
        // A suspended agency is unknown to the token endpoint: it gets invalid_client, not a token.
        return agency is { IsActive: true } ? agency : null;
    }

    public ValueTask<Agency?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        FindByClientIdAsync(identifier, cancellationToken);

    public ValueTask<string?> GetClientIdAsync(Agency application, CancellationToken cancellationToken) => new(application.Id);

    public ValueTask<string?> GetIdAsync(Agency application, CancellationToken cancellationToken) => new(application.Id);

    public ValueTask<string?> GetClientTypeAsync(Agency application, CancellationToken cancellationToken) => new(ClientTypes.Confidential);

    public ValueTask<string?> GetApplicationTypeAsync(Agency application, CancellationToken cancellationToken) => new(ApplicationTypes.Web);

    public ValueTask<string?> GetDisplayNameAsync(Agency application, CancellationToken cancellationToken) => new(application.Name);

    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(Agency application, CancellationToken cancellationToken)
    {
        var permissions = ImmutableArray.CreateBuilder<string>();
        permissions.Add(Permissions.Endpoints.Token);
        permissions.Add(Permissions.GrantTypes.ClientCredentials);
        foreach (var scope in application.Scopes)
        {
            permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        return new(permissions.ToImmutable());
    }

    // Machine clients: no secret (they authenticate with their certificate), no redirect URIs, no consent, no JWKS.
    public ValueTask<string?> GetClientSecretAsync(Agency application, CancellationToken cancellationToken) => new((string?)null);

    public ValueTask<string?> GetConsentTypeAsync(Agency application, CancellationToken cancellationToken) => new(ConsentTypes.Implicit);

    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(Agency application, CancellationToken cancellationToken) => new((JsonWebKeySet?)null);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(Agency application, CancellationToken cancellationToken) =>
        new(ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(Agency application, CancellationToken cancellationToken) => new([]);

    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(Agency application, CancellationToken cancellationToken) => new([]);

    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(Agency application, CancellationToken cancellationToken) => new([]);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(Agency application, CancellationToken cancellationToken) =>
        new(ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(Agency application, CancellationToken cancellationToken) =>
        new(ImmutableDictionary<string, string>.Empty);

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) => (await agencies.ListAsync(cancellationToken)).Count;

    public async IAsyncEnumerable<Agency> ListAsync(int? count, int? offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var agency in (await agencies.ListAsync(cancellationToken)).Skip(offset ?? 0).Take(count ?? int.MaxValue))
        {
            yield return agency;
        }
    }

    public IAsyncEnumerable<Agency> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) => AsyncEnumerable.Empty<Agency>();

    public IAsyncEnumerable<Agency> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) => AsyncEnumerable.Empty<Agency>();

    // The registry is managed by the gateway's admin verbs; OpenIddict only reads it.
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<Agency>, IQueryable<TResult>> query, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<Agency>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw ReadOnly();

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<Agency>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask CreateAsync(Agency application, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask DeleteAsync(Agency application, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask UpdateAsync(Agency application, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask<Agency> InstantiateAsync(CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetApplicationTypeAsync(Agency application, string? type, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetClientIdAsync(Agency application, string? identifier, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetClientSecretAsync(Agency application, string? secret, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetClientTypeAsync(Agency application, string? type, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetConsentTypeAsync(Agency application, string? type, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDisplayNameAsync(Agency application, string? name, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetDisplayNamesAsync(Agency application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetJsonWebKeySetAsync(Agency application, JsonWebKeySet? set, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPermissionsAsync(Agency application, ImmutableArray<string> permissions, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPostLogoutRedirectUrisAsync(Agency application, ImmutableArray<string> uris, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetPropertiesAsync(Agency application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetRedirectUrisAsync(Agency application, ImmutableArray<string> uris, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetRequirementsAsync(Agency application, ImmutableArray<string> requirements, CancellationToken cancellationToken) => throw ReadOnly();

    public ValueTask SetSettingsAsync(Agency application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken) => throw ReadOnly();

    private static NotSupportedException ReadOnly() =>
        new("The agency registry is read-only to OpenIddict; use `gateway agencies` to change it.");
}
