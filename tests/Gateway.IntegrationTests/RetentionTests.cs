using Dapper;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Gateway.Server.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>Tiny batches, so one run needs several transactions.</summary>
public sealed class RetentionGateway : GatewayServer
{
    protected override IEnumerable<string> AdditionalArgs() => ["--Gateway:Retention:BatchSize=2", "--Gateway:Retention:PersonalDataAfter=730.00:00:00"];
}

public sealed class RetentionTests(RetentionGateway gateway) : IClassFixture<RetentionGateway>
{
    private sealed class Row
    {
        public string ShipmentId { get; set; } = "";

        public string ConsignorName { get; set; } = "";

        public string ConsignorAddress { get; set; } = "";

        public string ConsignorEmail { get; set; } = "";

        public string ConsignorEori { get; set; } = "";

        public string ConsigneeName { get; set; } = "";

        public string ConsigneeAddress { get; set; } = "";

        public string ConsigneePostcode { get; set; } = "";

        public string ConsigneeEmail { get; set; } = "";

        public string ConsigneePhone { get; set; } = "";

        public string ConsigneeEori { get; set; } = "";

        public string ConsigneeCity { get; set; } = "";

        public string ConsigneeCountry { get; set; } = "";

        public string DestinationCountry { get; set; } = "";

        public string SellerId { get; set; } = "";

        public string TrackingNumber { get; set; } = "";

        public int? RiskScore { get; set; }

        public DateTime? PersonalDataRemovedAt { get; set; }
    }

    [Fact]
    public async Task Personal_data_past_the_period_is_removed_and_everything_else_kept_and_the_run_is_audited()
    {
        var now = gateway.Clock.GetUtcNow().UtcDateTime;
        var old = Enumerable.Range(1, 5).Select(i => ShipmentData.Parcel($"RET-OLD-{i}", "SEL-RET", "FR", consignee: $"Jeanne Old {i}", declaredAt: now.AddDays(-731 - i)));
        var recent = Enumerable.Range(1, 2).Select(i => ShipmentData.Parcel($"RET-NEW-{i}", "SEL-RET", "FR", consignee: $"Jean New {i}", declaredAt: now.AddDays(-700 + i)));
        await ShipmentData.WriteAsync(gateway, [.. old, .. recent], [ShipmentData.Seller("SEL-RET")]);
        await ShipmentData.ExecuteAsync(gateway, "UPDATE shipments SET risk_score = 77, consignee_eori = 'FR123', consignor_eori = 'CN456', consignor_email = 'x@y.example', consignor_address = 'Road 1' WHERE shipment_id LIKE 'RET-%'");
        await ShipmentData.ExecuteAsync(gateway, """
            INSERT INTO seizures (seizure_id, agency_id, request_id, agency_reference, shipment_id, seller_id, customs_office, detained_at, procedure, status, holder_response_due, created_at, updated_at)
            VALUES ('SZ-RET-1', 'fr-customs', 'req-ret-1', 'FR-OLD', 'RET-OLD-1', 'SEL-RET', 'FR000001', @at, 'STANDARD', 'DESTROYED', @at, @at, @at)
            """, new { at = now.AddDays(-735) });

        var database = gateway.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync();
        var auditBefore = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log");
        var goodsBefore = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id LIKE 'RET-%'");

        var result = await gateway.Services.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None);

        Assert.Equal(5, result.ShipmentsStripped);
        Assert.True(result.Batches >= 3, $"batches of 2: {result.Batches}");
        var rows = (await connection.QueryAsync<Row>("""
            SELECT shipment_id AS ShipmentId, consignor_name AS ConsignorName, consignor_address AS ConsignorAddress, consignor_email AS ConsignorEmail,
                   consignor_eori AS ConsignorEori, consignee_name AS ConsigneeName, consignee_address AS ConsigneeAddress,
                   consignee_postcode AS ConsigneePostcode, consignee_email AS ConsigneeEmail, consignee_phone AS ConsigneePhone,
                   consignee_eori AS ConsigneeEori, consignee_city AS ConsigneeCity, consignee_country AS ConsigneeCountry,
                   destination_country AS DestinationCountry, seller_id AS SellerId, tracking_number AS TrackingNumber,
                   risk_score AS RiskScore, personal_data_removed_at AS PersonalDataRemovedAt
            FROM shipments WHERE shipment_id LIKE 'RET-%' ORDER BY shipment_id
            """)).ToDictionary(r => r.ShipmentId);

        foreach (var id in Enumerable.Range(1, 5).Select(i => $"RET-OLD-{i}"))
        {
            var r = rows[id];
            Assert.All(new[] { r.ConsignorName, r.ConsignorAddress, r.ConsignorEmail, r.ConsignorEori, r.ConsigneeName, r.ConsigneeAddress,
                r.ConsigneePostcode, r.ConsigneeEmail, r.ConsigneePhone, r.ConsigneeEori }, v => Assert.Equal("", v));
            // Not personal: kept for statistics and enforcement history.
            Assert.Equal(("Testville", "FR", "FR", "SEL-RET", "TN-" + id, (int?)77), (r.ConsigneeCity, r.ConsigneeCountry, r.DestinationCountry, r.SellerId, r.TrackingNumber, r.RiskScore));
            Assert.NotNull(r.PersonalDataRemovedAt);
        }

        foreach (var i in new[] { 1, 2 })
        {
            var r = rows[$"RET-NEW-{i}"];
            Assert.Equal(($"Jean New {i}", "1 Test Street", "consignee@mail.example", "FR123", "Road 1"), (r.ConsigneeName, r.ConsigneeAddress, r.ConsigneeEmail, r.ConsigneeEori, r.ConsignorAddress));
            Assert.Null(r.PersonalDataRemovedAt);
        }

        Assert.Equal(goodsBefore, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM shipment_goods WHERE shipment_id LIKE 'RET-%'"));
        Assert.Equal("DESTROYED", await connection.ExecuteScalarAsync<string>("SELECT status FROM seizures WHERE seizure_id = 'SZ-RET-1'"));

        // The audit log is kept whole (nothing removed) and gains exactly one record for the run.
        Assert.Equal(auditBefore + 1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log"));
        var record = await connection.QuerySingleAsync<(string Rpc, string Summary, long Returned)>(
            "SELECT rpc, request_summary, records_returned FROM audit_log WHERE rpc = @rpc", new { rpc = RetentionJob.AuditRpc });
        Assert.Equal(5, record.Returned);
        Assert.Contains("\"shipmentsStripped\":5", record.Summary, StringComparison.Ordinal);
        Assert.True((await AuditVerifier.VerifyAsync(database, AuditKeys.PublicKeys(Path.Combine(gateway.Pki, "token-signing.crt")), CancellationToken.None)).Ok);

        // A second run finds nothing new.
        Assert.Equal(0, (await gateway.Services.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None)).ShipmentsStripped);

        // The platform re-sends a stripped shipment: its personal data is stored again, so the row is no longer
        // marked as stripped, and the next run removes the data again (the shipment is still past the period).
        var resent = ShipmentData.Parcel("RET-OLD-2", "SEL-RET", "FR", consignee: "Jeanne Old 2", declaredAt: now.AddDays(-733));
        await ShipmentData.WriteAsync(gateway, [resent]);
        Assert.Equal(("Jeanne Old 2", (DateTime?)null), await connection.QuerySingleAsync<(string, DateTime?)>(
            "SELECT consignee_name, personal_data_removed_at FROM shipments WHERE shipment_id = 'RET-OLD-2'"));
        Assert.Equal(1, (await gateway.Services.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None)).ShipmentsStripped);
        Assert.Equal("", await connection.ExecuteScalarAsync<string>("SELECT consignee_name FROM shipments WHERE shipment_id = 'RET-OLD-2'"));

        // A year later (fake clock) the recent ones are due.
        gateway.Clock.Advance(TimeSpan.FromDays(365));
        Assert.True((await gateway.Services.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None)).ShipmentsStripped >= 2);
        Assert.Equal("", await connection.ExecuteScalarAsync<string>("SELECT consignee_name FROM shipments WHERE shipment_id = 'RET-NEW-1'"));
    }
}
