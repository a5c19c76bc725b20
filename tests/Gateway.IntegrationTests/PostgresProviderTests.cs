using Dapper;
using Gateway.Server.Data;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests;

/// <summary>The PostgreSQL provider on a real server: migrations, the dialect's upsert, UTC times.</summary>
public sealed class PostgresProviderTests
{
    [PostgresFact]
    public async Task Migrations_apply_and_the_dialect_upserts_and_times_round_trip_as_UTC()
    {
        var previous = Environment.GetEnvironmentVariable("GATEWAY_TEST_PROVIDER");
        Environment.SetEnvironmentVariable("GATEWAY_TEST_PROVIDER", "postgres");
        var (provider, connectionString) = await TestDatabase.CreateAsync(Path.GetTempPath());
        Environment.SetEnvironmentVariable("GATEWAY_TEST_PROVIDER", previous);
        try
        {
            DataSetup.AddGatewayData(new Microsoft.Extensions.DependencyInjection.ServiceCollection(),
                new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()); // registers the UTC type handler
            using var database = new Database(Options.Create(new StorageOptions { Provider = provider, ConnectionString = connectionString }));
            Migrator.MigrateUp(database);
            Migrator.MigrateUp(database); // idempotent

            var at = new DateTime(2026, 11, 24, 10, 30, 15, DateTimeKind.Utc);
            var upsert = database.Dialect.Upsert("brands", ["brand_id"], ["brand_id", "name", "aliases", "updated_at"]);
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync(upsert, new { BrandId = "b1", Name = "Old", Aliases = "", UpdatedAt = at });
            await connection.ExecuteAsync(upsert, new { BrandId = "b1", Name = "New", Aliases = "n", UpdatedAt = at.AddHours(1) });

            var row = await connection.QuerySingleAsync<(string Name, DateTime UpdatedAt)>("SELECT name, updated_at FROM brands WHERE brand_id = 'b1'");
            Assert.Equal("New", row.Name);
            Assert.Equal(at.AddHours(1), row.UpdatedAt);
            Assert.Equal(DateTimeKind.Utc, row.UpdatedAt.Kind);
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM brands"));
        }
        finally
        {
            await TestDatabase.DropAsync(provider, connectionString);
        }
    }
}
