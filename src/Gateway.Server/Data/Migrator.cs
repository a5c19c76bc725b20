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
                    case "sqlserver":
                        runner.AddSqlServer2016();
                        // AsDateTime() must be datetime2 (100 ns), not datetime (3.33 ms): times feed the audit hash.
                        runner.Services.AddScoped<FluentMigrator.Runner.Generators.SqlServer.SqlServer2016Generator, GatewaySqlServerGenerator>();
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

/// <summary>
/// FluentMigrator's SQL Server generator, except that DbType.DateTime (AsDateTime) becomes DATETIME2:
/// the gateway's times are UTC to the tick on every engine (DataSetup writes them as DateTime2), and
/// DATETIME's 3.33 ms rounding would change values that feed e.g. the audit hash.
/// </summary>
internal sealed class GatewaySqlServerGenerator(
    FluentMigrator.Runner.Generators.SqlServer.SqlServer2008Quoter quoter,
    Microsoft.Extensions.Options.IOptions<FluentMigrator.Runner.Generators.GeneratorOptions> options)
    : FluentMigrator.Runner.Generators.SqlServer.SqlServer2016Generator(quoter, options)
{
    public override string Generate(FluentMigrator.Expressions.CreateTableExpression expression)
    {
        foreach (var column in expression.Columns)
        {
            Widen(column);
        }

        return base.Generate(expression);
    }

    public override string Generate(FluentMigrator.Expressions.CreateColumnExpression expression)
    {
        Widen(expression.Column);
        return base.Generate(expression);
    }

    public override string Generate(FluentMigrator.Expressions.AlterColumnExpression expression)
    {
        Widen(expression.Column);
        return base.Generate(expression);
    }

    private static void Widen(FluentMigrator.Model.ColumnDefinition column)
    {
        if (column.Type == System.Data.DbType.DateTime)
        {
            column.Type = System.Data.DbType.DateTime2;
        }
    }
}
