using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Server.Admin;

/// <summary>The services the admin verbs need (configuration, database, registry), without Kestrel.</summary>
internal static class AdminHost
{
    public static IHost Create(IReadOnlyList<string> configurationArgs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // Read once, as the gateway's own (GatewayApp.NoConfigurationReload says why).
            Args = [GatewayApp.NoConfigurationReload, .. configurationArgs],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddGatewayData(builder.Configuration);
        builder.Services.AddSingleton<AgencyStore>();
        return builder.Build();
    }
}
