using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// When the retention job removed a shipment's personal data (null: not yet). Lets the job work in
/// batches without revisiting rows, and lets anyone reading a shipment see that the blanks are deliberate.
/// </summary>
[Migration(950, "Shipment personal data retention marker")]
public sealed class M0950_PersonalDataRetention : Migration
{
    public override void Up()
    {
        Alter.Table("shipments").AddColumn("personal_data_removed_at").AsDateTime().Nullable();
    }

    public override void Down()
    {
        Delete.Column("personal_data_removed_at").FromTable("shipments");
    }
}
