using System.CommandLine;
using System.Globalization;
using Gateway.Server.Admin;
using Spectre.Console;

namespace Gateway.Server.Leads;

/// <summary>`gateway leads stats`: hit rate of leads per agency and per rule.</summary>
internal static class LeadAdminCommands
{
    public static Command Create()
    {
        var since = new Option<DateTime?>("--since") { Description = "Only leads created on or after this UTC date, e.g. 2026-01-01." };
        var stats = new Command("stats", "Leads, dispositions, linked seizures and hit rate per agency and per rule.") { since };
        stats.TreatUnmatchedTokensAsErrors = false;
        stats.SetAction(async (result, ct) =>
        {
            using var host = AdminHost.Create(result.UnmatchedTokens);
            var from = result.GetValue(since) is { } d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : (DateTime?)null;
            var rows = await ActivatorUtilities.CreateInstance<LeadStats>(host.Services).ComputeAsync(from, ct);
            var table = new Table().AddColumns("agency", "rule", "leads", "accepted", "rejected", "needs info", "seized", "confirmed", "hit rate");
            foreach (var row in rows)
            {
                var rule = row.Rule == LeadStats.AllRules ? "[bold]all[/]" : Markup.Escape(row.Rule);
                table.AddRow(Markup.Escape(row.AgencyId), rule, N(row.Leads), N(row.Accepted), N(row.Rejected), N(row.NeedsInfo),
                    N(row.Seized), N(row.Confirmed), row.HitRate.ToString("P1", CultureInfo.InvariantCulture));
            }

            if (rows.Count == 0)
            {
                AnsiConsole.MarkupLine("[grey]No leads yet.[/]");
                return 0;
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("leads", "Leads sent to agencies.") { stats };
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
