namespace Gateway.Server.Audit;

internal static class AuditSetup
{
    public static IServiceCollection AddGatewayAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuditOptions>(configuration.GetSection(AuditOptions.Section));
        services.AddSingleton<AuditStore>();
        services.AddSingleton<AuditEntries>();
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<AuditCheckpointer>();
        // Hosted services stop in reverse order: the writer (registered last) drains its queue first,
        // then the checkpointer signs the final head.
        services.AddHostedService(sp => sp.GetRequiredService<AuditCheckpointer>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddOpenIddict().AddServer(server => server.AddEventHandler(AuditTokenRequests.Descriptor));
        return services;
    }

    /// <summary>Before authentication: records gRPC calls refused there (see <see cref="AuditMiddleware"/>).</summary>
    public static IApplicationBuilder UseGatewayAudit(this IApplicationBuilder app) => app.UseMiddleware<AuditMiddleware>();
}
