using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Gateway.Server.Demo;
using Gateway.Server.Hosting;
using Gateway.Server.Pki;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Gateway.Server.Admin;

/// <summary>First-run set-up of the embedded default: dev PKI, schema, demo agencies and data.</summary>
internal static class Bootstrap
{
    /// <summary>Before Kestrel starts: the server certificate and the CA bundle must exist.</summary>
    public static WebApplicationBuilder EnsureDevPki(this WebApplicationBuilder builder)
    {
        var dev = builder.Configuration.GetSection(DevOptions.Section).Get<DevOptions>() ?? new DevOptions();
        var tls = builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        builder.Services.Configure<DevOptions>(builder.Configuration.GetSection(DevOptions.Section));
        if (dev.BootstrapOnFirstRun && !File.Exists(Path.GetFullPath(tls.ServerCertificate)) && !DevPki.Exists(dev.PkiDirectory))
        {
            DevPki.Create(Path.GetFullPath(dev.PkiDirectory));
            AnsiConsole.MarkupLineInterpolated($"[green]Created a development PKI in {Path.GetFullPath(dev.PkiDirectory)}[/]");
        }

        return builder;
    }

    /// <summary>After the container is built: migrations, then demo clients and data on an empty registry.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<Database>();
        if (app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.MigrateOnStart)
        {
            Migrator.MigrateUp(database);
            StartupTimings.Mark("migrations");
        }

        var dev = app.Services.GetRequiredService<IOptions<DevOptions>>().Value;
        var agencies = app.Services.GetRequiredService<AgencyStore>();
        if (!dev.BootstrapOnFirstRun || (await agencies.ListAsync()).Count > 0)
        {
            return;
        }

        var demo = ActivatorUtilities.CreateInstance<DemoData>(app.Services);
        await demo.RegisterDemoClientsAsync(dev.PkiDirectory);
        await demo.SeedAsync();
        var pki = Path.GetFullPath(dev.PkiDirectory);
        var listen = app.Services.GetRequiredService<IOptions<ListenOptions>>().Value;
        AnsiConsole.Write(new Panel(new Markup($$"""
            [bold]First run: demo agencies and a small data set were created.[/]
            Agency certificates and keys: [blue]{{Markup.Escape(pki)}}[/] (fr-customs, de-customs, platform, oversight)
            Trust the gateway with [blue]{{Markup.Escape(Path.Combine(pki, "ca.crt"))}}[/].

            1. Token:  curl --cacert {{Markup.Escape(Path.Combine(pki, "ca.crt"))}} --cert {{Markup.Escape(Path.Combine(pki, "fr-customs.crt"))}} --key {{Markup.Escape(Path.Combine(pki, "fr-customs.key"))}} \
                         -d grant_type=client_credentials -d client_id=fr-customs https://localhost:{{listen.Port}}/connect/token
            2. Call:   GetShipment {"tracking_number":"LX100000001CN"} with the token and a RequestContext
                       (see README.md, "First call").
            """)).Header("Gateway"));
    }
}
