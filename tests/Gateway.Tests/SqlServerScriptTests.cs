using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using FluentMigrator.Runner;
using Gateway.Server.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Gateway.Tests;

/// <summary>
/// No SQL Server runs on the build machines, so every T-SQL statement the gateway can send is parsed
/// here with Microsoft's own parser (ScriptDom, SQL Server 2016 grammar): a syntax error fails the build
/// with the statement and the parser's message.
///
/// Migrations are generated offline by FluentMigrator's SQL Server generator (connectionless runner).
/// Feature SQL is found by <see cref="SqlCensus"/>: a scan of the server's sources that takes every
/// SQL string literal and every dialect-built statement, and evaluates the interpolation holes with
/// the SQL Server dialect — so a new statement is covered the moment it is written, with no list to
/// keep up to date. A hole the census cannot evaluate fails the test rather than being skipped.
/// </summary>
public sealed class SqlServerScriptTests
{
    [Fact]
    public void Every_migration_is_valid_TSql()
    {
        var statements = SqlServerMigrationScript();
        Assert.True(statements.Count > 20, $"Only {statements.Count} migration statements were generated.");
        Assert.Contains(statements, s => s.Contains("DATETIME2", StringComparison.Ordinal));
        Assert.DoesNotContain(statements, s => Regex.IsMatch(s, @"\bDATETIME\b"));
        AssertParses(statements);
    }

    [Fact]
    public void Every_feature_statement_is_valid_TSql()
    {
        var census = SqlCensus.Run(new SqlServerDialect());
        if (Environment.GetEnvironmentVariable("GATEWAY_SQL_CENSUS_DUMP") is { Length: > 0 } dump)
        {
            File.WriteAllLines(dump, census.Statements.Select(s => $"-- {s.Origin}\n{s.Sql}\n"));
        }

        Assert.True(census.Unresolved.Count == 0, "Unresolved:\n" + string.Join("\n", census.Unresolved));
        Assert.True(census.Statements.Count > 60, $"Census found only {census.Statements.Count} statements.");
        // Spot checks that the census sees SQL built in every style: literals, dialect calls in fields, fragments.
        Assert.Contains(census.Statements, s => s.Sql.Contains("MERGE INTO shipments", StringComparison.Ordinal));
        Assert.Contains(census.Statements, s => s.Sql.Contains("WITH (UPDLOCK, READPAST, ROWLOCK)", StringComparison.Ordinal));
        Assert.Contains(census.Statements, s => s.Sql.Contains("FROM audit_chain_head WITH (UPDLOCK, ROWLOCK)", StringComparison.Ordinal));
        Assert.Contains(census.Statements, s => s.Origin.StartsWith("Seizures/SeizureStore.cs", StringComparison.Ordinal) && s.Sql.Contains("AND status = @status", StringComparison.Ordinal));
        AssertParses(census.Statements.Select(s => $"-- {s.Origin}\n{s.Sql}"));
    }

    [Fact]
    public void The_dialect_own_statements_are_valid_TSql()
    {
        var dialect = new SqlServerDialect();
        AssertParses([
            SqlServerDialect.WriteLockSql,
            dialect.Upsert("t", ["a"], ["a", "b_c"]),
            dialect.Upsert("t", ["a", "b"], ["a", "b"]),
            dialect.InsertIgnore("t", ["a", "b"], ["a", "b", "c"]),
            dialect.SelectForUpdate("a, b", "t", "id = 1"),
            $"SELECT a FROM t {dialect.ClaimTableHint} WHERE {dialect.In("a", "@list")} AND {dialect.ContainsIgnoreCase("b", "@p")} ORDER BY a {dialect.Limit("@take")}",
        ]);
    }

    [Fact]
    public void A_syntax_error_is_reported_with_the_statement()
    {
        var error = Assert.ThrowsAny<Exception>(() => AssertParses(["SELECT a FROM t LIMIT 5"]));
        Assert.Contains("LIMIT 5", error.Message, StringComparison.Ordinal);
    }

    private static void AssertParses(IEnumerable<string> statements)
    {
        var failures = new StringBuilder();
        var count = 0;
        foreach (var sql in statements)
        {
            count++;
            // QUOTED_IDENTIFIER is ON for SqlClient connections: "procedure" is an identifier.
            var parser = new TSql130Parser(initialQuotedIdentifiers: true);
            // Dapper expands `IN @list` into `IN (@list1, @list2, …)` before SqlClient sees it.
            using var reader = new StringReader(Regex.Replace(sql, @"\bIN\s+@(\w+)", "IN (@$1_1, @$1_2)"));
            parser.Parse(reader, out var errors);
            foreach (var error in errors)
            {
                failures.AppendLine($"line {error.Line}, col {error.Column}: {error.Message}\n{sql}\n");
            }
        }

        Assert.True(count > 0, "No statement to parse.");
        Assert.True(failures.Length == 0, "T-SQL syntax errors:\n" + failures);
    }

    /// <summary>The migrations as FluentMigrator would run them on SQL Server, generated with no server.</summary>
    internal static List<string> SqlServerMigrationScript()
    {
        var capture = new CapturingLoggerProvider();
        using (var services = new ServiceCollection()
            .AddLogging(logging => logging.ClearProviders().AddProvider(capture).SetMinimumLevel(LogLevel.Trace))
            .AddFluentMigratorCore()
            .ConfigureRunner(runner =>
            {
                runner.AddSqlServer2016().ScanIn(typeof(Database).Assembly).For.Migrations();
                runner.Services.AddScoped<FluentMigrator.Runner.Generators.SqlServer.SqlServer2016Generator, GatewaySqlServerGenerator>();
            })
            .Configure<FluentMigrator.Runner.Initialization.RunnerOptions>(o => o.NoConnection = true)
            .Configure<FluentMigrator.Runner.Processors.ProcessorOptions>(o => o.PreviewOnly = true)
            .BuildServiceProvider(validateScopes: false))
        {
            services.GetRequiredService<IMigrationRunner>().MigrateUp();
        }

        return capture.Sql;
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        public List<string> Sql { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == RunnerEventIds.Sql.Id)
            {
                lock (Sql)
                {
                    Sql.Add(formatter(state, exception));
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
