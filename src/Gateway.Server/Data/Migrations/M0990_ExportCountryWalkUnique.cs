using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Export throughput (issue #8). The country walk's index (M0980) is declared UNIQUE, which it always was in
/// fact: shipment_countries' primary key is (shipment_id, country). Declared, it tells SQLite's planner that
/// one country's walk yields each shipment once, in shipment order. The export's joined statement can then
/// take its rows in (shipment, goods line) order straight from the indexes, with no sort of the page's joined
/// rows (docs/performance.md, "ExportShipments", decision 88).
/// </summary>
[Migration(990, "Declare the export's country walk index unique")]
public sealed class M0990_ExportCountryWalkUnique : Migration
{
    public override void Up()
    {
        Delete.Index("ix_shipment_countries_country_shipment").OnTable("shipment_countries");
        Create.Index("ux_shipment_countries_country_shipment").OnTable("shipment_countries")
            .OnColumn("country").Ascending().OnColumn("shipment_id").Ascending()
            .WithOptions().Unique();
    }

    public override void Down()
    {
        Delete.Index("ux_shipment_countries_country_shipment").OnTable("shipment_countries");
        Create.Index("ix_shipment_countries_country_shipment").OnTable("shipment_countries")
            .OnColumn("country").Ascending().OnColumn("shipment_id").Ascending();
    }
}
