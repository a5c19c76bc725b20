using System.CommandLine;
using Gateway.Server.Agencies;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Gateway.Server.Pki;
using Spectre.Console;

namespace Gateway.Server.Admin;

/// <summary>
/// The verbs of the server executable: `gateway [serve]`, `migrate`, `pki init`, `agencies …`, `seed`, `audit verify`, `leads stats`.
/// Anything the parser does not recognise is passed on as configuration
/// (e.g. `--Gateway:Listen:Port=8443`), as ASP.NET Core does.
/// </summary>
internal static class GatewayCli
{
    public static RootCommand Create(Func<string[], CancellationToken, Task<int>> serve)
    {
        var root = new RootCommand("Gateway: marketplace ↔ customs data-sharing gateway.") { TreatUnmatchedTokensAsErrors = false };
        root.SetAction((result, ct) => serve([.. result.UnmatchedTokens], ct));

        var serveCommand = new Command("serve", "Run the gateway (default).") { TreatUnmatchedTokensAsErrors = false };
        serveCommand.SetAction((result, ct) => serve([.. result.UnmatchedTokens], ct));
        root.Add(serveCommand);

        var migrate = new Command("migrate", "Apply pending database migrations and exit.") { TreatUnmatchedTokensAsErrors = false };
        migrate.SetAction(result =>
        {
            using var host = AdminHost.Create(result.UnmatchedTokens);
            Migrator.MigrateUp(host.Services.GetRequiredService<Database>());
            AnsiConsole.MarkupLine("[green]Database is up to date.[/]");
            return 0;
        });
        root.Add(migrate);

        root.Add(Pki());
        root.Add(Agencies());
        root.Add(AuditCommands.Create()); // `audit verify`: Audit/AuditCommands.cs
        root.Add(Leads.LeadAdminCommands.Create());
        root.Add(Seed.SeedCommand.Create());
        return root;
    }

    private static Command Pki()
    {
        var dir = new Option<string>("--dir") { Description = "Where to write the dev PKI.", DefaultValueFactory = _ => "certs/dev" };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing PKI (invalidates every issued certificate)." };
        var init = new Command("init", "Create a development PKI: CA, server, push-client, demo agency and platform certificates, token keys.") { dir, force };
        init.SetAction(result =>
        {
            var path = Path.GetFullPath(result.GetRequiredValue(dir));
            if (DevPki.Exists(path) && !result.GetValue(force))
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]A PKI already exists in {path}; use --force to replace it.[/]");
                return 1;
            }

            DevPki.Create(path);
            AnsiConsole.MarkupLineInterpolated($"[green]Development PKI written to {path}[/]");
            return 0;
        });
        return new Command("pki", "Development PKI.") { init };
    }

    private static Command Agencies()
    {
        var agencies = new Command("agencies", "The registry of agencies, the platform and oversight clients.");

        var id = new Option<string>("--id") { Description = "Client id (also the OAuth client_id).", Required = true };
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var subject = new Option<string>("--subject") { Description = "Certificate subject DN the client authenticates with.", Required = true };
        var kind = new Option<string>("--kind") { Description = "agency | platform | oversight.", DefaultValueFactory = _ => Agency.KindAgency };
        kind.AcceptOnlyFromAmong(Agency.KindAgency, Agency.KindPlatform, Agency.KindOversight);
        var jurisdictions = new Option<string>("--jurisdictions") { Description = "Comma-separated ISO country codes, e.g. FR,MC.", DefaultValueFactory = _ => "" };
        var scopes = new Option<string>("--scopes") { Description = "Space- or comma-separated scopes.", Required = true };
        var subsets = new Option<string>("--subsets") { Description = "Comma-separated data subsets, e.g. SHIPMENT_CORE,SHIPMENT_PARTIES.", DefaultValueFactory = _ => "" };
        var receiver = new Option<string?>("--receiver") { Description = "https URL of the agency's LeadReceiver." };
        var threshold = new Option<int>("--lead-threshold") { Description = "Minimum risk score for a lead (0–100).", DefaultValueFactory = _ => 60 };
        var add = new Command("add", "Register a client.") { id, name, subject, kind, jurisdictions, scopes, subsets, receiver, threshold };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (result, ct) =>
        {
            var scopeList = Split(result.GetRequiredValue(scopes), ' ', ',');
            var unknown = scopeList.Except(Auth.Scopes.All).ToList();
            if (unknown.Count > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Unknown scope(s): {string.Join(' ', unknown)}[/]");
                return 2;
            }

            var countries = Split(result.GetRequiredValue(jurisdictions), ',').Select(c => c.ToUpperInvariant()).ToList();
            if (countries.Any(c => c.Length != 2 || !c.All(char.IsAsciiLetterUpper)))
            {
                AnsiConsole.MarkupLine("[red]Jurisdictions are ISO 3166-1 alpha-2 codes, e.g. FR,MC.[/]");
                return 2;
            }

            var agency = new Agency(
                result.GetRequiredValue(id), result.GetRequiredValue(kind), result.GetRequiredValue(name), Agency.StatusActive,
                countries, scopeList,
                Split(result.GetRequiredValue(subsets), ',').Select(SubsetNames.Parse).ToHashSet(),
                result.GetRequiredValue(subject), result.GetValue(receiver), result.GetValue(threshold));
            using var host = AdminHost.Create(result.UnmatchedTokens);
            await host.Services.GetRequiredService<AgencyStore>().AddAsync(agency, ct);
            AnsiConsole.MarkupLineInterpolated($"[green]Registered {agency.Id}.[/]");
            return 0;
        });
        agencies.Add(add);

        var list = new Command("list", "List registered clients.") { TreatUnmatchedTokensAsErrors = false };
        list.SetAction(async (result, ct) =>
        {
            using var host = AdminHost.Create(result.UnmatchedTokens);
            var table = new Table().AddColumns("id", "kind", "status", "jurisdictions", "scopes", "subsets", "certificate subject", "receiver");
            foreach (var a in await host.Services.GetRequiredService<AgencyStore>().ListAsync(ct))
            {
                table.AddRow(Markup.Escape(a.Id), a.Kind, a.IsActive ? "[green]active[/]" : "[red]suspended[/]",
                    string.Join(',', a.Jurisdictions), Markup.Escape(string.Join(' ', a.Scopes)),
                    string.Join(',', a.Subsets.Select(SubsetNames.ToName)), Markup.Escape(a.CertificateSubject),
                    Markup.Escape(a.ReceiverEndpoint ?? "-"));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        agencies.Add(list);

        agencies.Add(StatusCommand("suspend", "Suspend a client: its live tokens stop working on its next call.", Agency.StatusSuspended));
        agencies.Add(StatusCommand("resume", "Re-activate a suspended client.", Agency.StatusActive));

        var receiverId = new Argument<string>("id");
        var url = new Argument<string>("url") { Description = "https URL of the LeadReceiver, or '-' to remove it." };
        var setReceiver = new Command("set-receiver", "Set where leads are pushed for a client.") { receiverId, url };
        setReceiver.TreatUnmatchedTokensAsErrors = false;
        setReceiver.SetAction(async (result, ct) =>
        {
            var endpoint = result.GetRequiredValue(url);
            using var host = AdminHost.Create(result.UnmatchedTokens);
            var ok = await host.Services.GetRequiredService<AgencyStore>()
                .SetReceiverAsync(result.GetRequiredValue(receiverId), endpoint == "-" ? null : endpoint, ct);
            return Report(ok, result.GetRequiredValue(receiverId));
        });
        agencies.Add(setReceiver);
        return agencies;
    }

    private static Command StatusCommand(string verb, string description, string status)
    {
        var id = new Argument<string>("id");
        var command = new Command(verb, description) { id };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            using var host = AdminHost.Create(result.UnmatchedTokens);
            var ok = await host.Services.GetRequiredService<AgencyStore>().SetStatusAsync(result.GetRequiredValue(id), status, ct);
            return Report(ok, result.GetRequiredValue(id));
        });
        return command;
    }

    private static int Report(bool ok, string id)
    {
        if (ok)
        {
            AnsiConsole.MarkupLineInterpolated($"[green]{id}: done.[/]");
            return 0;
        }

        AnsiConsole.MarkupLineInterpolated($"[red]No client with id {id}.[/]");
        return 1;
    }

    private static List<string> Split(string value, params char[] separators) =>
        [.. value.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
