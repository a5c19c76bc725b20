using Gateway.Server.Brands;

namespace Gateway.Server.Ingest;

internal static class IngestSetup
{
    /// <summary>The ingest pipeline and the brand writer; the other writers come with AddShipments.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services) => services
        .AddSingleton<IngestPipeline>()
        .AddSingleton<BrandWriter>();
}
