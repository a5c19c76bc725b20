using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Tables read by more than one feature, created together so each feature can build on them:
/// brands (ingest writes, the risk engine reads), seizures / strikes / enforcement events
/// (seizures write, the risk engine and the platform feed read), and leads (the risk engine and
/// investigators write, agencies read, seizures reference).
/// Migration numbers: features add their own tables in their own range
/// (ingest 300–399, audit 400–499, seizures 500–599, leads and jobs 600–699, providers 700–799).
/// </summary>
[Migration(2, "Brands, seizures, strikes, enforcement events, leads")]
public sealed class M0002_SharedEnforcementSchema : Migration
{
    public override void Up()
    {
        Create.Table("brands")
            .WithColumn("brand_id").AsString(64).PrimaryKey()
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("aliases").AsString(4000).NotNullable()          // newline-separated
            .WithColumn("updated_at").AsDateTime().NotNullable();
        Create.Table("brand_reference_prices")
            .WithColumn("brand_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("category").AsString(100).NotNullable().PrimaryKey()
            .WithColumn("min_minor").AsInt64().NotNullable()
            .WithColumn("max_minor").AsInt64().NotNullable()
            .WithColumn("currency").AsString(3).NotNullable();

        Create.Table("seizures")
            .WithColumn("seizure_id").AsString(64).PrimaryKey()
            .WithColumn("agency_id").AsString(64).NotNullable()
            .WithColumn("request_id").AsString(64).NotNullable()           // the agency's idempotency key
            .WithColumn("agency_reference").AsString(64).NotNullable()
            .WithColumn("shipment_id").AsString(64).NotNullable().Indexed("ix_seizures_shipment")
            .WithColumn("seller_id").AsString(64).NotNullable().Indexed("ix_seizures_seller")
            .WithColumn("lead_id").AsString(64).Nullable().Indexed("ix_seizures_lead")
            .WithColumn("customs_office").AsString(64).NotNullable()
            .WithColumn("detained_at").AsDateTime().NotNullable()
            .WithColumn("procedure").AsString(32).NotNullable()
            .WithColumn("status").AsString(32).NotNullable()              // contract names: DETAINED, CONFIRMED_COUNTERFEIT, …
            .WithColumn("holder_response_due").AsDateTime().NotNullable()
            .WithColumn("confirmed_at").AsDateTime().Nullable()
            .WithColumn("created_at").AsDateTime().NotNullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();
        Create.Index("ux_seizures_agency_request").OnTable("seizures")
            .OnColumn("agency_id").Ascending().OnColumn("request_id").Ascending().WithOptions().Unique();
        Create.Index("ix_seizures_agency_created").OnTable("seizures")
            .OnColumn("agency_id").Ascending().OnColumn("created_at").Ascending().OnColumn("seizure_id").Ascending();

        Create.Table("seizure_items")
            .WithColumn("seizure_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("line_no").AsInt32().NotNullable().PrimaryKey()
            .WithColumn("brand").AsString(200).NotNullable()
            .WithColumn("category").AsString(100).NotNullable()
            .WithColumn("quantity").AsInt32().NotNullable()
            .WithColumn("infringement_type").AsString(32).NotNullable()
            .WithColumn("value_minor").AsInt64().NotNullable()
            .WithColumn("currency").AsString(3).NotNullable();

        // One strike per confirmed seizure; strikes_12m counts the rolling last 12 months.
        Create.Table("seller_strikes")
            .WithColumn("seizure_id").AsString(64).PrimaryKey()
            .WithColumn("seller_id").AsString(64).NotNullable()
            .WithColumn("agency_id").AsString(64).NotNullable()
            .WithColumn("recorded_at").AsDateTime().NotNullable();
        Create.Index("ix_seller_strikes_seller_time").OnTable("seller_strikes")
            .OnColumn("seller_id").Ascending().OnColumn("recorded_at").Ascending();

        // The platform's feed: the sequence is the stable cursor (at-least-once readers resume after it).
        Create.Table("enforcement_events")
            .WithColumn("event_seq").AsInt64().PrimaryKey()
            .WithColumn("seller_id").AsString(64).NotNullable()
            .WithColumn("kind").AsString(32).NotNullable()                // STRIKE_RECORDED, HOLD_PAYOUTS, EXCLUSION_RECOMMENDED
            .WithColumn("seizure_id").AsString(64).NotNullable()
            .WithColumn("agency_id").AsString(64).NotNullable()
            .WithColumn("occurred_at").AsDateTime().NotNullable()
            .WithColumn("detail").AsString(1000).NotNullable();

        Create.Table("leads")
            .WithColumn("lead_id").AsString(64).PrimaryKey()
            .WithColumn("agency_id").AsString(64).NotNullable()
            // Uniqueness per agency: "shipment:{id}" for risk-engine leads (one per agency and shipment),
            // "request:{creator}:{request_id}" for investigators' leads (idempotent CreateLead).
            .WithColumn("dedup_key").AsString(200).NotNullable()
            .WithColumn("source").AsString(16).NotNullable()              // RISK_ENGINE | INVESTIGATOR
            .WithColumn("seller_id").AsString(64).NotNullable()
            .WithColumn("score").AsInt32().NotNullable()
            .WithColumn("reasons").AsString(int.MaxValue).NotNullable()   // JSON [{code, detail, weight}]
            .WithColumn("narrative").AsString(4000).NotNullable()
            .WithColumn("investigator_id").AsString(128).NotNullable()
            .WithColumn("status").AsString(16).NotNullable()              // PENDING | DELIVERED | ACKNOWLEDGED | FAILED
            .WithColumn("disposition").AsString(16).Nullable()            // ACCEPTED | REJECTED | NEEDS_INFO
            .WithColumn("disposition_note").AsString(4000).Nullable()
            .WithColumn("created_at").AsDateTime().NotNullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();
        Create.Index("ux_leads_agency_dedup").OnTable("leads")
            .OnColumn("agency_id").Ascending().OnColumn("dedup_key").Ascending().WithOptions().Unique();
        Create.Index("ix_leads_agency_status").OnTable("leads")
            .OnColumn("agency_id").Ascending().OnColumn("status").Ascending().OnColumn("created_at").Ascending();
        Create.Table("lead_shipments")
            .WithColumn("lead_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("shipment_id").AsString(64).NotNullable().PrimaryKey().Indexed("ix_lead_shipments_shipment");
    }

    public override void Down()
    {
        foreach (var table in new[] { "lead_shipments", "leads", "enforcement_events", "seller_strikes", "seizure_items", "seizures", "brand_reference_prices", "brands" })
        {
            Delete.Table(table);
        }
    }
}
