using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// The lead delivery outbox: one row per lead that is pushed to an agency's LeadReceiver, holding the
/// retry schedule across job runs (attempts, next attempt, last error) and the claim that keeps two
/// workers — or two nodes — from pushing the same lead at once. Leads of agencies without a receiver
/// have no row: they wait in `leads` to be pulled.
/// </summary>
[Migration(640, "Lead delivery outbox")]
public sealed class M0640_LeadDeliveries : Migration
{
    public override void Up()
    {
        Create.Table("lead_deliveries")
            .WithColumn("lead_id").AsString(64).PrimaryKey()
            .WithColumn("agency_id").AsString(64).NotNullable()
            .WithColumn("status").AsString(16).NotNullable()              // PENDING | DELIVERED | FAILED
            .WithColumn("attempts").AsInt32().NotNullable()
            .WithColumn("next_attempt_at").AsDateTime().NotNullable()
            .WithColumn("last_error").AsString(1000).Nullable()
            // A worker owns a row while claimed_until is in the future; a crashed worker's claim lapses.
            .WithColumn("claim_token").AsString(64).Nullable()
            .WithColumn("claimed_until").AsDateTime().Nullable()
            .WithColumn("created_at").AsDateTime().NotNullable()       // start of the retry window
            .WithColumn("delivered_at").AsDateTime().Nullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();
        Create.Index("ix_lead_deliveries_due").OnTable("lead_deliveries")
            .OnColumn("agency_id").Ascending().OnColumn("status").Ascending().OnColumn("next_attempt_at").Ascending();

        // CreateLead is idempotent by (caller, request_id) whatever agency the retry names: look the key up alone.
        Create.Index("ix_leads_dedup_key").OnTable("leads").OnColumn("dedup_key").Ascending();
    }

    public override void Down()
    {
        Delete.Index("ix_leads_dedup_key").OnTable("leads");
        Delete.Table("lead_deliveries");
    }
}
