using Gateway.Server.Jobs;

namespace Gateway.Server.Leads;

internal static class LeadsSetup
{
    public static IServiceCollection AddLeads(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LeadDeliveryOptions>(configuration.GetSection(LeadDeliveryOptions.Section));
        services.Configure<LeadPushOptions>(configuration.GetSection(LeadPushOptions.Section));
        services.AddSingleton<LeadStore>();
        services.AddSingleton<LeadDeliveries>();
        services.AddSingleton<LeadStats>();
        services.AddSingleton<ILeadPushClient, GrpcLeadPushClient>();
        services.AddSingleton<DeliverLeadsJob>();
        services.AddGatewayJob(DeliverLeadsJob.Name, "* * * * *", (sp, ct) => sp.GetRequiredService<DeliverLeadsJob>().RunAsync(ct));
        return services;
    }
}
