using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Ingest throughput (issue #8). <c>content_hash</c>: SHA-256 of the shipment as last ingested, so a
/// re-sent identical record is recognised and written not at all (no new ingest_seq, no index churn).
/// <c>ix_shipments_seller</c> goes: <c>ix_shipments_seller_key</c> (seller_id, shipment_id) answers every
/// seller_id look-up it did, and each index costs every insert and every re-ingest an extra b-tree write.
/// </summary>
[Migration(970, "Shipment content hash for ingest; drop the redundant seller index")]
public sealed class M0970_IngestContentHash : Migration
{
    public override void Up()
    {
        Alter.Table("shipments").AddColumn("content_hash").AsBinary(32).Nullable();
        Delete.Index("ix_shipments_seller").OnTable("shipments");
    }

    public override void Down()
    {
        Create.Index("ix_shipments_seller").OnTable("shipments").OnColumn("seller_id");
        Delete.Column("content_hash").FromTable("shipments");
    }
}
