using Dapper;

namespace Gateway.Server.Data;

internal static class DataSetup
{
    public static IServiceCollection AddGatewayData(this IServiceCollection services, IConfiguration configuration)
    {
        // Columns are snake_case; C# rows are PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
        services.Configure<StorageOptions>(configuration.GetSection(StorageOptions.Section));
        services.AddSingleton<Database>();
        services.AddSingleton<StatementCache>();
        services.AddSingleton<SqliteReadConnections>();
        services.AddHostedService<WalCheckpointer>();
        return services;
    }

    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        // grpc.health.v1 reports the published result: publish at once, then every 10 s.
        services.Configure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = TimeSpan.FromSeconds(10);
        });
        return services;
    }

    /// <summary>Every time in the gateway is UTC; SQLite hands DateTimes back with Kind=Unspecified.</summary>
    private sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override DateTime Parse(object value) => value switch
        {
            DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
            string s => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal), DateTimeKind.Utc),
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as DateTime."),
        };

        /// <summary>
        /// Written as UTC with Kind=Unspecified and DbType.DateTime2: `timestamp` on PostgreSQL (Npgsql
        /// refuses Kind=Utc there), `datetime2` on SQL Server, the same text on SQLite.
        /// </summary>
        public override void SetValue(System.Data.IDbDataParameter parameter, DateTime value)
        {
            var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
            parameter.DbType = System.Data.DbType.DateTime2;
            parameter.Value = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);
        }
    }
}
