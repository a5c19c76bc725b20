using Gateway.Server.Data;
using Gateway.Server.Risk;

namespace Gateway.Tests;

public sealed class PatternMatcherTests
{
    private struct Collect(List<(int Pattern, int End)> hits) : IMatchSink
    {
        public readonly void OnMatch(int pattern, int end) => hits.Add((pattern, end));
    }

    [Fact]
    public void Finds_every_occurrence_of_every_pattern_including_overlaps_in_one_pass()
    {
        string[] patterns = ["he", "she", "his", "hers", "高仿"];
        var matcher = new PatternMatcher(patterns);
        var hits = new List<(int, int)>();
        var sink = new Collect(hits);
        matcher.Scan("ushers his 高仿", ref sink);

        // Reference: naive search of each pattern at each position.
        const string text = "ushers his 高仿";
        var expected = new List<(int, int)>();
        for (var end = 0; end < text.Length; end++)
        {
            for (var p = 0; p < patterns.Length; p++)
            {
                var start = end - patterns[p].Length + 1;
                if (start >= 0 && string.CompareOrdinal(text, start, patterns[p], 0, patterns[p].Length) == 0)
                {
                    expected.Add((p, end));
                }
            }
        }

        Assert.Equal(expected.Order(), hits.Order());
        Assert.Contains((3, 5), hits); // "hers" ending at index 5, overlapping "she" and "he"
    }

    [Fact]
    public void Reasons_round_trip_through_the_stored_json_format()
    {
        RiskReason[] reasons = [new("REPLICA_TERM", "replica vocabulary: '1:1' \"quoted\"", 40), new("NEW_SELLER", "seller account is 3 day(s) old", 10)];
        var json = RiskJson.Serialize(reasons);
        Assert.StartsWith("[{\"code\":\"REPLICA_TERM\",\"detail\":", json, StringComparison.Ordinal);
        Assert.Equal(reasons, RiskJson.Deserialize(json));
    }

    [Fact]
    public void Insert_ignore_does_nothing_on_conflict()
    {
        var sql = new SqliteDialect().InsertIgnore("leads", ["agency_id", "dedup_key"], ["lead_id", "agency_id", "dedup_key"]);
        Assert.Contains("VALUES (@LeadId, @AgencyId, @DedupKey)", sql, StringComparison.Ordinal);
        Assert.EndsWith("ON CONFLICT (agency_id, dedup_key) DO NOTHING", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Lead_ids_are_deterministic_per_agency_and_key()
    {
        Assert.Equal(ScoreShipmentsJob.LeadId("fr-customs", "shipment:S1"), ScoreShipmentsJob.LeadId("fr-customs", "shipment:S1"));
        Assert.NotEqual(ScoreShipmentsJob.LeadId("fr-customs", "shipment:S1"), ScoreShipmentsJob.LeadId("de-customs", "shipment:S1"));
    }
}
