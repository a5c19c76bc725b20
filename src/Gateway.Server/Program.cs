using Gateway.Server.Admin;
using Gateway.Server.Audit;
using Gateway.Server.Auth;
using Gateway.Server.Data;
using Gateway.Server.Grpc;
using Gateway.Server.Hardening;
using Gateway.Server.Hosting;
using Gateway.Server.Sellers;
using Gateway.Server.Seizures;
using Gateway.Server.Risk;
using Gateway.Server.Jobs;
using Gateway.Server.Leads;
using Gateway.Server.Limits;
using Gateway.Server.Ingest;
using Gateway.Server.Shipments;
using Gateway.Server.Telemetry;
using Gateway.Server.Retention;
using Microsoft.Extensions.DependencyInjection.Extensions;

// `gateway [serve] | migrate | pki init | agencies add|list|suspend|resume|set-receiver | audit verify` (Admin/GatewayCli.cs).
return await GatewayCli.Create(GatewayApp.RunAsync).Parse(args).InvokeAsync();

/// <summary>The gateway, feature by feature.</summary>
internal static class GatewayApp
{
    /// <summary>
    /// Settings are read once, at start. Reloading them on change would watch the content root, the folder of the
    /// executable, and everything under it: a gateway installed with its data folder there (data/gateway.db beside
    /// the binaries, run from that folder) had a file watcher woken by every write of the database and its WAL,
    /// 2.6 s of CPU in an ingest of 100,000 shipments, new shipments 20.0k → 15.9k/s (docs/performance.md). No
    /// setting of the gateway is meant to change while it runs. Given first, so that an operator's own
    /// `--hostBuilder:reloadConfigOnChange=true` still wins.
    /// </summary>
    internal const string NoConfigurationReload = "--hostBuilder:reloadConfigOnChange=false";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customise = null)
    {
        // Settings ship next to the executable; relative paths in them (data/, certs/) are resolved
        // against the working directory, so `dotnet run` from the repository root keeps everything there.
        StartupTimings.Mark("main");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [NoConfigurationReload, .. args], ContentRootPath = AppContext.BaseDirectory });
        customise?.Invoke(builder);
        StartupTimings.Mark("configuration");

        builder.EnsureDevPki();
        StartupTimings.Mark("dev-pki");
        builder.AddGatewayKestrel();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services
            .AddGatewayData(builder.Configuration)
            .AddGatewayAuth(builder.Configuration)
            .AddGatewayGrpc()
            .AddGatewayLimits(builder.Configuration)
            .AddGatewayAudit(builder.Configuration)
            .AddShipments()
            .AddSellers()
            .AddSeizures(builder.Configuration)
            .AddRisk(builder.Configuration)
            .AddLeads(builder.Configuration)
            .AddGatewayJobs(builder.Configuration)
            .AddIngest()
            .AddRetention(builder.Configuration)
            .AddGatewayTelemetry(builder.Configuration)
            .AddAdminCredential(builder.Configuration)
            .AddGatewayHealth();

        StartupTimings.Mark("services");
        var app = builder.Build();
        StartupTimings.Mark("container");
        app.UseAdminPortSeparation();
        app.UseGatewayTelemetry();
        app.UseGatewayAudit();
        app.UseAdminCredential();
        app.UseGatewayJobsDashboard();
        app.UseTokenEndpointLimits();
        app.UseGatewayAuthentication();
        app.UseGatewayAuthorization();
        app.UseMalformedRequestRefusal();
        app.MapGatewayGrpc();
        app.MapHealthChecks(AdminPort.HealthPath);
        StartupTimings.Mark("pipeline");
        return app;
    }

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        await using var app = Build(args);
        await app.PrepareDatabaseAsync();
        StartupTimings.Mark("database");
        await app.StartAsync(CancellationToken.None);
        StartupTimings.Mark("listening");
        await app.WaitForShutdownAsync(CancellationToken.None); // as RunAsync(): the host handles SIGTERM/Ctrl+C itself
        return 0;
    }
}
