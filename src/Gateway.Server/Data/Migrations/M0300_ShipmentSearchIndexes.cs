using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Indexes for SearchShipments / ExportShipments, which order by shipment_id (the immutable keyset
/// key). With shipment_id as the second column, "this seller's / this destination's shipments after
/// key K, in order" is one index range read with no sort, so a page costs the page, not the table.
/// The jurisdiction EXISTS uses shipment_countries' primary key (shipment_id, country).
/// </summary>
[Migration(300, "Keyset indexes for shipment search and export")]
public sealed class M0300_ShipmentSearchIndexes : Migration
{
    public override void Up()
    {
        Create.Index("ix_shipments_seller_key").OnTable("shipments")
            .OnColumn("seller_id").Ascending().OnColumn("shipment_id").Ascending();
        Create.Index("ix_shipments_destination_key").OnTable("shipments")
            .OnColumn("destination_country").Ascending().OnColumn("shipment_id").Ascending();
        Create.Index("ix_shipments_origin_key").OnTable("shipments")
            .OnColumn("origin_country").Ascending().OnColumn("shipment_id").Ascending();
    }

    public override void Down()
    {
        Delete.Index("ix_shipments_origin_key").OnTable("shipments");
        Delete.Index("ix_shipments_destination_key").OnTable("shipments");
        Delete.Index("ix_shipments_seller_key").OnTable("shipments");
    }
}
