using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Limits;

internal static class LimitsSetup
{
    public static IServiceCollection AddGatewayLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LimitsOptions>(configuration.GetSection(LimitsOptions.Section));
        services.AddSingleton<AgencyLimiter>();
        services.AddTokenEndpointLimits();
        // Message sizes apply to every service, including health and reflection.
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<LimitsOptions>>((grpc, limits) =>
        {
            grpc.MaxReceiveMessageSize = limits.Value.MaxReceiveMessageBytes;
            grpc.MaxSendMessageSize = limits.Value.MaxSendMessageBytes;
        });
        return services;
    }
}
