namespace Gateway.Server.Sellers;

internal static class SellersSetup
{
    public static IServiceCollection AddSellers(this IServiceCollection services) => services
        .AddSingleton<SellerQueries>();
}
