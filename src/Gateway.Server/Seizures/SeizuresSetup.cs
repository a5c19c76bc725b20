using Gateway.Server.Enforcement;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Seizures;

internal static class SeizuresSetup
{
    /// <summary>Seizure reporting, strikes and the marketplace's enforcement feed.</summary>
    public static IServiceCollection AddSeizures(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SeizureOptions>().Bind(configuration.GetSection(SeizureOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SeizureOptions>, SeizureOptionsValidator>();
        return services
            .AddSingleton<HolidayCalendar>()
            .AddSingleton<EnforcementEvents>()
            .AddSingleton<SeizureStore>();
    }
}
