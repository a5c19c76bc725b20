using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Ingest throughput (issue #8). On SQLite, M0001's <c>.Unique("ux_shipments_ingest_seq")</c> became both a
/// UNIQUE column constraint (SQLite's own <c>sqlite_autoindex_shipments_1</c>) and a separate unique index
/// of the same column: every insert wrote the sequence into two b-trees, and every changed re-ingest, which
/// moves the shipment to a new sequence, deleted and inserted it in both. The constraint's index stays (SQLite
/// cannot drop it without rebuilding the table) and still enforces the uniqueness and serves every
/// <c>ORDER BY ingest_seq</c>. PostgreSQL and SQL Server made one index of it, so there is nothing to drop.
/// </summary>
[Migration(1000, "Drop SQLite's duplicate index of shipments.ingest_seq")]
public sealed class M1000_DropDuplicateIngestSeqIndex : Migration
{
    public override void Up() =>
        IfDatabase("sqlite").Delete.Index("ux_shipments_ingest_seq").OnTable("shipments");

    public override void Down() =>
        IfDatabase("sqlite").Create.Index("ux_shipments_ingest_seq").OnTable("shipments")
            .OnColumn("ingest_seq").Ascending().WithOptions().Unique();
}
