using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// The hash-chained audit log (append-only), the chain head every writer serialises on, and the
/// signed checkpoints of that head. Owned by Audit/; see docs/audit.md.
/// </summary>
[Migration(400, "Audit log, chain head, signed checkpoints")]
public sealed class M0400_AuditLog : Migration
{
    public override void Up()
    {
        Create.Table("audit_log")
            .WithColumn("sequence").AsInt64().PrimaryKey()
            .WithColumn("time").AsDateTime().NotNullable()
            .WithColumn("agency_id").AsString(64).NotNullable()
            .WithColumn("client_id").AsString(128).NotNullable()
            .WithColumn("certificate_thumbprint").AsString(64).NotNullable()
            .WithColumn("officer_id").AsString(128).NotNullable()
            .WithColumn("rpc").AsString(200).NotNullable()
            .WithColumn("legal_basis").AsString(256).NotNullable()
            .WithColumn("case_reference").AsString(64).NotNullable()
            .WithColumn("statement_of_reasons").AsString(4000).NotNullable()
            .WithColumn("request_summary").AsString(4000).NotNullable()
            .WithColumn("status_code").AsInt32().NotNullable()
            .WithColumn("records_returned").AsInt64().NotNullable()
            .WithColumn("records_digest").AsString(64).NotNullable()
            .WithColumn("previous_hash").AsString(64).NotNullable()
            .WithColumn("hash").AsString(64).NotNullable();
        Create.Index("ix_audit_log_time").OnTable("audit_log").OnColumn("time");
        Create.Index("ix_audit_log_agency_time").OnTable("audit_log").OnColumn("agency_id").Ascending().OnColumn("time").Ascending();
        Create.Index("ix_audit_log_case").OnTable("audit_log").OnColumn("case_reference");

        // One row: the last sequence and hash. Every append transaction reads and updates it, which is
        // what serialises writers — across nodes too (a row lock on PostgreSQL / SQL Server).
        Create.Table("audit_chain_head")
            .WithColumn("id").AsInt32().PrimaryKey()
            .WithColumn("sequence").AsInt64().NotNullable()
            .WithColumn("hash").AsString(64).NotNullable();
        Insert.IntoTable("audit_chain_head").Row(new { id = 1, sequence = 0L, hash = "" });

        Create.Table("audit_checkpoints")
            .WithColumn("sequence").AsInt64().PrimaryKey()
            .WithColumn("head_hash").AsString(64).NotNullable()
            .WithColumn("created_at").AsDateTime().NotNullable()
            .WithColumn("signature").AsString(1024).NotNullable()
            .WithColumn("key_thumbprint").AsString(64).NotNullable();
    }

    public override void Down()
    {
        Delete.Table("audit_checkpoints");
        Delete.Table("audit_chain_head");
        Delete.Table("audit_log");
    }
}
