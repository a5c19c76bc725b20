using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Ingest throughput (issue #8, decision 96). M0001 copied each shipment's ingest sequence into its
/// jurisdiction rows and indexed them by (country, ingest_seq), for a per-country feed in ingest order. No
/// query reads either: the export walks <c>ux_shipment_countries_country_shipment</c> (M0980/M0990), the
/// jurisdiction checks probe the primary key, and the scoring job pages on <c>shipments.ingest_seq</c>. Every new
/// shipment still wrote the index once per country (≈ 3), and every changed re-ingest deleted and re-inserted
/// those entries. Plain SQL because all three engines accept <c>ALTER TABLE … DROP COLUMN</c> (SQLite since
/// 3.35), and the column can go only after its index.
/// </summary>
[Migration(1010, "Drop shipment_countries.ingest_seq and its unused index")]
public sealed class M1010_DropCountrySequence : Migration
{
    public override void Up()
    {
        Delete.Index("ix_shipment_countries_country_seq").OnTable("shipment_countries");
        Execute.Sql("ALTER TABLE shipment_countries DROP COLUMN ingest_seq");
    }

    public override void Down()
    {
        // The sequence comes back from the shipments, as the writer would have stored it.
        Alter.Table("shipment_countries").AddColumn("ingest_seq").AsInt64().NotNullable().WithDefaultValue(0);
        Execute.Sql("UPDATE shipment_countries SET ingest_seq = (SELECT s.ingest_seq FROM shipments s WHERE s.shipment_id = shipment_countries.shipment_id)");
        Create.Index("ix_shipment_countries_country_seq").OnTable("shipment_countries")
            .OnColumn("country").Ascending().OnColumn("ingest_seq").Ascending();
    }
}
