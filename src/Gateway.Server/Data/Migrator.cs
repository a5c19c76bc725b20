using System.Data.Common;
using System.Reflection;
using Dapper;
using FluentMigrator;
using FluentMigrator.Runner;
using Microsoft.Data.Sqlite;

namespace Gateway.Server.Data;

/// <summary>Applies the FluentMigrator migrations of this assembly to the configured database.</summary>
internal static class Migrator
{
    /// <summary>Every migration version of this assembly, as FluentMigrator's scan would find them.</summary>
    private static readonly long[] Versions = typeof(Migrator).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IMigration).IsAssignableFrom(t))
        .Select(t => t.GetCustomAttribute<MigrationAttribute>()?.Version)
        .OfType<long>()
        .ToArray();

    public static void MigrateUp(Database database)
    {
        // A restart of an installed gateway finds every migration applied; one query saying so is 10–35 ms
        // cheaper than building FluentMigrator's runner (container, assembly scan, version loader) to learn
        // it (docs/performance.md, "Cold start"). Every version must be present, not just the highest: a
        // migration merged later may carry a lower number than one already applied.
        if (IsCurrent(database))
        {
            return;
        }

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

    private static bool IsCurrent(Database database)
    {
        try
        {
            using var connection = database.Open();
            // FluentMigrator's default version table; quoted because PostgreSQL keeps its mixed case.
            var applied = connection.Query<long>("""SELECT "Version" FROM "VersionInfo" """).ToHashSet();
            return Versions.All(applied.Contains);
        }
        catch (DbException)
        {
            // No version table yet (a new database), or the database is unreachable: FluentMigrator
            // creates the table, or reports the real error.
            return false;
        }
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
