using System.Text.RegularExpressions;
using Gateway.Server.Data;
using Gateway.Server.Shipments;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>
/// The export's country walk on SQLite has no LIMIT (its page is counted in shipments, not joined rows), so
/// its plan must never sort the whole result: that sort would read and order every remaining row of the
/// export for each page. For every filter and every layout that joins goods, SQLite must walk the country's
/// unique index first. Unfiltered (what an agency's bulk export is), nothing at all is sorted (decision 88).
/// </summary>
/// <remarks>
/// A filter that lets SQLite find the shipment through one of its own indexes (destination, seller) or that
/// it turns into a join (the HS code's EXISTS) costs the proof that each walk step yields one shipment, and
/// SQLite then sorts each shipment's few goods lines by line number ("LAST TERM OF ORDER BY"): rows are still
/// produced shipment by shipment, so the reader's early stop holds.
/// </remarks>
public sealed partial class ExportWalkPlanTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"gateway-walkplan-{Guid.NewGuid():N}.db");

    public static TheoryData<string> Filters => ["none", "destination", "origin", "seller", "declared", "risk", "consignee", "hs", "all"];

    [Theory]
    [MemberData(nameof(Filters))]
    public void The_walk_reads_in_index_order_without_a_sort_for_every_filter_and_layout(string filter)
    {
        var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={path}" }));
        Migrator.MigrateUp(database);
        var queries = new ShipmentQueries(database);
        var (conditions, _) = queries.Filter(Criteria(filter), ["FR"], after: "SHP-1", take: 1000, listParameters: true, walkCountry: true);

        using var connection = database.Open();
        foreach (var layout in new[] { new ExportLayout(true, false, false), new ExportLayout(false, false, true), new ExportLayout(true, true, true) })
        {
            var plan = Plan((SqliteConnection)connection, layout.WalkSql(conditions));
            var text = string.Join(Environment.NewLine, plan);
            Assert.StartsWith("SEARCH jc USING COVERING INDEX ux_shipment_countries_country_shipment", plan[0], StringComparison.Ordinal);
            Assert.False(plan.Contains("USE TEMP B-TREE FOR ORDER BY"), text);
            if (filter == "none")
            {
                Assert.False(plan.Exists(step => step.Contains("TEMP B-TREE", StringComparison.Ordinal)), text);
            }
        }
    }

    private static ShipmentCriteria Criteria(string filter)
    {
        var from = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return filter switch
        {
            "none" => ShipmentCriteria.None,
            "destination" => ShipmentCriteria.None with { DestinationCountry = "FR" },
            "origin" => ShipmentCriteria.None with { OriginCountry = "CN" },
            "seller" => ShipmentCriteria.None with { SellerId = "SEL-1" },
            "declared" => ShipmentCriteria.None with { DeclaredFrom = from, DeclaredTo = from.AddDays(7) },
            "risk" => ShipmentCriteria.None with { MinRiskScore = 70 },
            "consignee" => ShipmentCriteria.None with { ConsigneeNameContains = "dupont" },
            "hs" => ShipmentCriteria.None with { HsCodePrefix = "4202" },
            _ => new ShipmentCriteria("FR", "CN", "SEL-1", "4202", from, from.AddDays(7), 70, "dupont"),
        };
    }

    /// <summary>EXPLAIN QUERY PLAN's steps, outermost first; parameters bound as NULL (the plan does not read them).</summary>
    private static List<string> Plan(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in ParameterName().Matches(sql).Select(m => m.Value).Distinct(StringComparer.Ordinal))
        {
            command.Parameters.AddWithValue(name, DBNull.Value);
        }

        var steps = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }

        return steps;
    }

    [GeneratedRegex(@"@\w+")]
    private static partial Regex ParameterName();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
}
