namespace Gateway.Server.Shipments;

internal static class ShipmentsSetup
{
    public static IServiceCollection AddShipments(this IServiceCollection services) => services
        .AddSingleton<ShipmentQueries>()
        .AddSingleton<ShipmentExportReader>()
        // Stateless: one instance instead of one (and an ILogger resolution) per call on the hot path.
        .AddSingleton<ShipmentServiceEndpoint>()
        .AddSingleton(sp => PageTokens.FromConfiguration(sp.GetRequiredService<IConfiguration>()))
        .AddSingleton<ShipmentWriter>()
        .AddSingleton<Sellers.SellerWriter>()
        .AddSingleton<Listings.ListingWriter>();
}
