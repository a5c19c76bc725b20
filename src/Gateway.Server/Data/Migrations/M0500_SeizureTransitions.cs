using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Seizures feature (range 500–599): the history of status changes, which is also the idempotency
/// record of UpdateSeizureStatus, and the fingerprint of each report so a reused request_id with a
/// different payload can be told apart from a retry.
/// </summary>
[Migration(500, "Seizure transitions and report fingerprints")]
public sealed class M0500_SeizureTransitions : Migration
{
    public override void Up()
    {
        // One row per status change. The key (agency_id, request_id) makes a retried update a no-op:
        // the second insert of the same request cannot happen, even from two nodes at once.
        Create.Table("seizure_transitions")
            .WithColumn("agency_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("request_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("seizure_id").AsString(64).NotNullable()
            .WithColumn("from_status").AsString(32).NotNullable()
            .WithColumn("to_status").AsString(32).NotNullable()
            .WithColumn("note").AsString(4000).NotNullable()
            .WithColumn("occurred_at").AsDateTime().NotNullable();
        Create.Index("ix_seizure_transitions_seizure").OnTable("seizure_transitions")
            .OnColumn("seizure_id").Ascending().OnColumn("occurred_at").Ascending();

        // SHA-256 (hex) of the reported seizure payload: a retry carries the same one.
        Alter.Table("seizures").AddColumn("request_fingerprint").AsString(64).Nullable();
    }

    public override void Down()
    {
        Delete.Column("request_fingerprint").FromTable("seizures");
        Delete.Table("seizure_transitions");
    }
}
