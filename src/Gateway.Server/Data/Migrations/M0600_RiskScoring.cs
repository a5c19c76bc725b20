using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Risk scoring: the jobs' watermarks (business state lives in the gateway's tables, not in Hangfire's),
/// and the two indexes the scoring job's set-based look-ups need — splitting (seller → consignee within
/// days) and earlier seizures of the same consignee.
/// </summary>
[Migration(600, "Job watermarks; indexes for risk scoring")]
public sealed class M0600_RiskScoring : Migration
{
    public override void Up()
    {
        Create.Table("job_watermarks")
            .WithColumn("job_name").AsString(64).PrimaryKey()
            .WithColumn("position").AsInt64().NotNullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();

        Create.Index("ix_shipments_seller_consignee").OnTable("shipments")
            .OnColumn("seller_id").Ascending().OnColumn("consignee_postcode").Ascending().OnColumn("declared_at").Ascending();
        Create.Index("ix_shipments_consignee").OnTable("shipments")
            .OnColumn("consignee_postcode").Ascending().OnColumn("consignee_name").Ascending();
    }

    public override void Down()
    {
        Delete.Index("ix_shipments_consignee").OnTable("shipments");
        Delete.Index("ix_shipments_seller_consignee").OnTable("shipments");
        Delete.Table("job_watermarks");
    }
}
