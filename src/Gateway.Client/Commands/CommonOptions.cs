using System.CommandLine;
using System.Text.Json;
using Gateway.Contracts.V1;

namespace Gateway.Client.Commands;

/// <summary>
/// Options every command shares: where the gateway is, which certificate to present, and the request
/// envelope (legal basis, case reference, officer). Connection settings can come from a profile file
/// (JSON: {"address", "cert", "key", "ca", "clientId"}) so analysts do not retype them.
/// </summary>
internal sealed class CommonOptions
{
    public Option<string?> Profile { get; } = new("--profile") { Description = "JSON profile with address, cert, key, ca, clientId.", Recursive = true };
    public Option<Uri?> Address { get; } = new("--address")
    {
        Description = "Gateway address (default https://localhost:7443/).",
        Recursive = true,
        // System.CommandLine has no built-in Uri conversion.
        CustomParser = r =>
        {
            if (Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            r.AddError($"'{r.Tokens.Single().Value}' is not an absolute URL, e.g. https://gateway.example:7443/.");
            return null;
        },
    };
    public Option<string?> Cert { get; } = new("--cert") { Description = "Client certificate (PEM).", Recursive = true };
    public Option<string?> Key { get; } = new("--key") { Description = "Client private key (PEM).", Recursive = true };
    public Option<string?> Ca { get; } = new("--ca") { Description = "CA that issued the gateway's certificate (PEM).", Recursive = true };
    public Option<string?> ClientId { get; } = new("--client-id") { Description = "Your registered client id.", Recursive = true };
    public Option<string?> LegalBasis { get; } = new("--legal-basis") { Description = "Legal basis of the request, e.g. \"EU 608/2013 art. 17\".", Recursive = true };
    public Option<string?> Case { get; } = new("--case") { Description = "Case reference.", Recursive = true };
    public Option<string?> Officer { get; } = new("--officer") { Description = "Officer id (recorded in the audit log).", Recursive = true };

    public void AddTo(Command root)
    {
        foreach (var option in new Option[] { Profile, Address, Cert, Key, Ca, ClientId, LegalBasis, Case, Officer })
        {
            root.Add(option);
        }
    }

    public GatewayConnection Connect(ParseResult result)
    {
        var profile = result.GetValue(Profile) is { } path
            ? JsonSerializer.Deserialize<ClientProfile>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            : null;
        var address = result.GetValue(Address) ?? profile?.Address ?? new Uri("https://localhost:7443/");
        var cert = result.GetValue(Cert) ?? profile?.Cert ?? throw new ArgumentException("--cert (or a profile) is required.");
        var key = result.GetValue(Key) ?? profile?.Key ?? throw new ArgumentException("--key (or a profile) is required.");
        var clientId = result.GetValue(ClientId) ?? profile?.ClientId ?? throw new ArgumentException("--client-id (or a profile) is required.");
        return GatewayConnection.FromPem(address, cert, key, result.GetValue(Ca) ?? profile?.Ca, clientId);
    }

    public RequestContext Context(ParseResult result) => new()
    {
        LegalBasis = result.GetValue(LegalBasis) ?? "",
        CaseReference = result.GetValue(Case) ?? "",
        OfficerId = result.GetValue(Officer) ?? "",
    };

    private sealed record ClientProfile(Uri? Address, string? Cert, string? Key, string? Ca, string? ClientId);
}
