using FluentMigrator.Runner;
using Microsoft.Data.Sqlite;

namespace Gateway.Server.Data;

/// <summary>Applies the FluentMigrator migrations of this assembly to the configured database.</summary>
internal static class Migrator
{
    public static void MigrateUp(Database database)
    {
        using var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner =>
            {
                switch (database.Provider)
                {
                    case "sqlite":
                        runner.AddSQLite();
                        break;
                    case "postgres":
                        runner.AddPostgres15_0();
                        break;
                    default:
                        throw new InvalidOperationException($"No migrations for provider '{database.Provider}'.");
                }

                runner.WithGlobalConnectionString(database.ConnectionString)
                    .ScanIn(typeof(Migrator).Assembly).For.Migrations();
            })
            .Configure<FluentMigrator.Runner.Initialization.RunnerOptions>(o => o.TransactionPerSession = false)
            .BuildServiceProvider(validateScopes: false);

        if (database.Provider == "sqlite")
        {
            // WAL lets readers proceed while the single writer commits; the setting is stored in the file.
            using var connection = new SqliteConnection(database.ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }

        services.GetRequiredService<IMigrationRunner>().MigrateUp();
    }
}
