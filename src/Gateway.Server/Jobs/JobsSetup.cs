using Gateway.Server.Hosting;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.SqlServer;
using Gateway.Server.Data;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Jobs;

/// <summary>
/// Hangfire: recurring jobs from configuration, a server that runs them, and the dashboard on the
/// admin port. With SQLite the job storage is in memory — a restart forgets job history, not work:
/// every job keeps its business state (leads, deliveries, watermarks) in the gateway's own tables.
/// With PostgreSQL or SQL Server the storage lives in the gateway's database (schema "hangfire",
/// created on start), so several nodes share one schedule and each run is taken by one node.
/// </summary>
internal static class JobsSetup
{
    public static IServiceCollection AddGatewayJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        services.Configure<HangfireOptions>(configuration.GetSection(HangfireOptions.Section));

        // Storage and activator are this application's own, registered before AddHangfire (which only
        // TryAdds them from Hangfire's process-wide statics): two gateways in one process (tests) never
        // share a job store or run each other's jobs.
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddSingleton<JobStorage>(_ => CreateStorage(storage, options));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        if (options.ServerEnabled)
        {
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = Math.Max(1, options.WorkerCount);
                // Machine name plus process id: several nodes on one host stay distinguishable on the dashboard.
                server.ServerName = $"gateway-{Environment.MachineName}-{Environment.ProcessId}";
                server.SchedulePollingInterval = options.PollingInterval;
            });
        }

        services.AddTransient<GatewayJobRunner>();
        services.AddHostedService<RecurringJobsRegistrar>();
        return services;
    }

    private static JobStorage CreateStorage(StorageOptions storage, HangfireOptions options) =>
        storage.Provider.ToUpperInvariant() switch
        {
            // Hangfire's own tables sit in their own schema, apart from the gateway's migrations.
            "POSTGRES" or "POSTGRESQL" => new PostgreSqlStorage(
                new NpgsqlConnectionFactory(storage.ConnectionString, PostgresOptions(options)), PostgresOptions(options)),
            "SQLSERVER" => new SqlServerStorage(storage.ConnectionString, new SqlServerStorageOptions
            {
                SchemaName = options.SchemaName,
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = options.PollingInterval,
                SqlClientFactory = Microsoft.Data.SqlClient.SqlClientFactory.Instance,
            }),
            _ => new InMemoryStorage(new InMemoryStorageOptions()),
        };

    private static PostgreSqlStorageOptions PostgresOptions(HangfireOptions options) => new()
    {
        SchemaName = options.SchemaName,
        PrepareSchemaIfNecessary = true,
        QueuePollInterval = options.PollingInterval,
        // How long a lock row left by a killed node blocks the others (Hangfire.PostgreSql's default is
        // 10 minutes). The gateway's jobs are safe to run twice at once, so Hangfire's locks guard only its
        // own short bookkeeping (scheduling a recurring job, aggregating counters): a crash should cost
        // about a minute of scheduling, not ten. (SQL Server's locks die with the session.)
        DistributedLockTimeout = options.StaleLockTimeout,
    };

    /// <summary>
    /// Registers a recurring job under a name; its schedule comes from Gateway:Jobs:{name}:Cron (else
    /// <paramref name="defaultCron"/>) and Gateway:Jobs:{name}:Enabled (default true). The job must be
    /// safe to run twice at once and to be re-run after a failure.
    /// </summary>
    public static IServiceCollection AddGatewayJob(
        this IServiceCollection services, string name, string defaultCron, Func<IServiceProvider, CancellationToken, Task> run) =>
        services.AddSingleton(new GatewayJob(name, defaultCron, run));

    /// <summary>The dashboard at /hangfire; AdminPort keeps it off the agency port, and by default it answers loopback callers only.</summary>
    public static WebApplication UseGatewayJobsDashboard(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HangfireOptions>>().Value;
        var credential = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value.CredentialConfigured;
        if (!options.DashboardEnabled)
        {
            return app;
        }

        app.UseHangfireDashboard(AdminPort.HangfirePath, new DashboardOptions
        {
            DashboardTitle = "Gateway jobs",
            // The admin port binds loopback by default; this filter still holds if AdminAddress is widened,
            // unless an admin credential guards the dashboard (Hosting/AdminCredential.cs, checked before
            // this) or the operator explicitly puts it behind their own access control.
            Authorization = credential || options.DashboardAllowRemote ? [] : [new LocalRequestsOnlyAuthorizationFilter()],
            DisplayStorageConnectionString = false,
            AppPath = null,
        });
        return app;
    }
}

internal sealed class HangfireOptions
{
    public const string Section = "Gateway:Hangfire";

    /// <summary>Run jobs in this process. Tests turn it off and invoke jobs directly, so runs are deterministic.</summary>
    public bool ServerEnabled { get; set; } = true;

    public int WorkerCount { get; set; } = 2;

    /// <summary>Database schema of Hangfire's tables (PostgreSQL and SQL Server).</summary>
    public string SchemaName { get; set; } = "hangfire";

    /// <summary>
    /// How often a node looks for due recurring/scheduled jobs and (database storage) for queued work.
    /// Hangfire's default is 15 s; cron schedules with seconds ("*/5 * * * * *") need a shorter one.
    /// </summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>PostgreSQL: after this long a lock left by a killed node is taken over.</summary>
    public TimeSpan StaleLockTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public bool DashboardEnabled { get; set; } = true;

    /// <summary>Let non-loopback callers reach the dashboard (only behind the operator's own access control).</summary>
    public bool DashboardAllowRemote { get; set; }
}

/// <summary>A named recurring job: what to run and its default schedule.</summary>
internal sealed record GatewayJob(string Name, string DefaultCron, Func<IServiceProvider, CancellationToken, Task> Run);
