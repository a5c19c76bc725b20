using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Gateway.Server.Admin;
using Gateway.Server.Data;
using Spectre.Console;

namespace Gateway.Server.Seed;

/// <summary>`gateway seed --sellers N --shipments N [--seed S] [--end YYYY-MM-DD]`: a synthetic marketplace in the configured database.</summary>
internal static class SeedCommand
{
    public static Command Create()
    {
        var sellers = new Option<int>("--sellers") { Description = "Number of sellers.", DefaultValueFactory = _ => 2000 };
        var shipments = new Option<int>("--shipments") { Description = "Number of shipments.", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed and sizes give the same data.", DefaultValueFactory = _ => 1 };
        var end = new Option<string?>("--end") { Description = "Last day of the synthetic 180-day period (yyyy-MM-dd); default 2026-11-30." };
        var command = new Command("seed", "Fill the configured database with a deterministic synthetic marketplace (migrates first).") { sellers, shipments, seed, end };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var sellerCount = result.GetValue(sellers);
            var shipmentCount = result.GetValue(shipments);
            if (sellerCount < 1 || shipmentCount < 0)
            {
                AnsiConsole.MarkupLine("[red]--sellers must be at least 1 and --shipments not negative.[/]");
                return 2;
            }

            DateTime? endDate = null;
            if (result.GetValue(end) is { } text)
            {
                if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    AnsiConsole.MarkupLine("[red]--end must be a date, yyyy-MM-dd.[/]");
                    return 2;
                }

                endDate = parsed;
            }

            using var host = AdminHost.Create(result.UnmatchedTokens);
            var database = host.Services.GetRequiredService<Database>();
            Migrator.MigrateUp(database);
            var market = new SyntheticMarketplace(result.GetValue(seed), sellerCount, endDate);
            var seeder = new Seeder(database, TimeProvider.System);
            var clock = Stopwatch.StartNew();
            Seeder.Counts counts = null!;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    counts = await seeder.RunAsync(market, shipmentCount, (phase, done, total) =>
                    {
                        if (!tasks.TryGetValue(phase, out var task))
                        {
                            tasks[phase] = task = ctx.AddTask(phase, maxValue: Math.Max(1, total));
                        }

                        task.Value = done;
                    }, ct);
                });
            var seconds = clock.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated(
                $"[green]Seeded {counts.Brands} brands, {counts.Sellers} sellers ({market.Sellers.Count(s => s.BadActor)} bad actors), {counts.Listings} listings, {counts.Shipments} shipments in {seconds:F1} s ({counts.Shipments / Math.Max(seconds, 0.001):F0} shipments/s overall).[/]");
            return 0;
        });
        return command;
    }
}
