using FluentMigrator;

namespace Gateway.Server.Data.Migrations;

/// <summary>
/// Agencies (the OAuth client registry), and the marketplace data the gateway shares:
/// sellers, listings, shipments with their goods and the countries that put them in a jurisdiction.
/// </summary>
[Migration(1, "Agencies, sellers, listings, shipments")]
public sealed class M0001_Initial : Migration
{
    public override void Up()
    {
        Create.Table("agencies")
            .WithColumn("id").AsString(64).PrimaryKey()
            .WithColumn("kind").AsString(16).NotNullable()              // agency | platform | oversight
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("status").AsString(16).NotNullable()            // active | suspended
            .WithColumn("jurisdictions").AsString(512).NotNullable()    // "FR,MC" (ISO 3166-1 alpha-2)
            .WithColumn("scopes").AsString(512).NotNullable()           // "shipments:read sellers:read"
            .WithColumn("subsets").AsString(256).NotNullable()          // "SHIPMENT_CORE,SHIPMENT_PARTIES"
            .WithColumn("certificate_subject").AsString(1024).NotNullable()
            .WithColumn("receiver_endpoint").AsString(512).Nullable()
            .WithColumn("lead_threshold").AsInt32().NotNullable().WithDefaultValue(60)
            .WithColumn("created_at").AsDateTime().NotNullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();
        Create.Index("ix_agencies_certificate_subject").OnTable("agencies").OnColumn("certificate_subject");

        Create.Table("sellers")
            .WithColumn("seller_id").AsString(64).PrimaryKey()
            .WithColumn("legal_name").AsString(300).NotNullable()
            .WithColumn("trading_name").AsString(300).NotNullable()
            .WithColumn("registration_number").AsString(64).NotNullable()
            .WithColumn("vat_number").AsString(32).NotNullable()
            .WithColumn("eori").AsString(32).NotNullable()
            .WithColumn("country").AsString(2).NotNullable()
            .WithColumn("status").AsString(16).NotNullable()
            .WithColumn("verification_status").AsString(32).NotNullable()
            .WithColumn("account_created_at").AsDateTime().NotNullable()
            .WithColumn("address_lines").AsString(1000).NotNullable()   // newline-separated
            .WithColumn("postcode").AsString(32).NotNullable()
            .WithColumn("city").AsString(100).NotNullable()
            .WithColumn("email").AsString(320).NotNullable()
            .WithColumn("phone").AsString(64).NotNullable()
            .WithColumn("payout_account_masked").AsString(64).NotNullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();

        Create.Table("listings")
            .WithColumn("listing_id").AsString(64).PrimaryKey()
            .WithColumn("seller_id").AsString(64).NotNullable().Indexed("ix_listings_seller")
            .WithColumn("title").AsString(1000).NotNullable()
            .WithColumn("url").AsString(1000).NotNullable()
            .WithColumn("brand").AsString(200).NotNullable()
            .WithColumn("category").AsString(100).NotNullable()
            .WithColumn("price_minor").AsInt64().NotNullable()
            .WithColumn("currency").AsString(3).NotNullable()
            .WithColumn("created_at").AsDateTime().NotNullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();

        Create.Table("shipments")
            .WithColumn("shipment_id").AsString(64).PrimaryKey()
            // Monotonic ingest order: the scoring job reads past a watermark on it, exports page on it.
            .WithColumn("ingest_seq").AsInt64().NotNullable().Unique("ux_shipments_ingest_seq")
            .WithColumn("tracking_number").AsString(64).NotNullable().Indexed("ix_shipments_tracking")
            .WithColumn("mrn").AsString(32).NotNullable().Indexed("ix_shipments_mrn")
            .WithColumn("platform_order_id").AsString(64).NotNullable()
            .WithColumn("seller_id").AsString(64).NotNullable().Indexed("ix_shipments_seller")
            .WithColumn("consignor_name").AsString(300).NotNullable()
            .WithColumn("consignor_address").AsString(1000).NotNullable()
            .WithColumn("consignor_postcode").AsString(32).NotNullable()
            .WithColumn("consignor_city").AsString(100).NotNullable()
            .WithColumn("consignor_country").AsString(2).NotNullable()
            .WithColumn("consignor_email").AsString(320).NotNullable()
            .WithColumn("consignor_phone").AsString(64).NotNullable()
            .WithColumn("consignor_eori").AsString(32).NotNullable()
            .WithColumn("consignee_name").AsString(300).NotNullable()
            .WithColumn("consignee_address").AsString(1000).NotNullable()
            .WithColumn("consignee_postcode").AsString(32).NotNullable()
            .WithColumn("consignee_city").AsString(100).NotNullable()
            .WithColumn("consignee_country").AsString(2).NotNullable()
            .WithColumn("consignee_email").AsString(320).NotNullable()
            .WithColumn("consignee_phone").AsString(64).NotNullable()
            .WithColumn("consignee_eori").AsString(32).NotNullable()
            .WithColumn("origin_country").AsString(2).NotNullable()
            .WithColumn("destination_country").AsString(2).NotNullable()
            .WithColumn("countries_of_routing").AsString(200).NotNullable()  // "DE,BE" in route order
            .WithColumn("carrier").AsString(100).NotNullable()
            .WithColumn("transport_mode").AsString(16).NotNullable()
            .WithColumn("declared_at").AsDateTime().NotNullable()
            .WithColumn("shipped_at").AsDateTime().NotNullable()
            .WithColumn("risk_score").AsInt32().Nullable()
            .WithColumn("risk_reasons").AsString(int.MaxValue).Nullable()   // JSON [{code, detail, weight}]
            .WithColumn("scored_at").AsDateTime().Nullable()
            .WithColumn("updated_at").AsDateTime().NotNullable();
        Create.Index("ix_shipments_declared").OnTable("shipments").OnColumn("declared_at").Ascending().OnColumn("shipment_id").Ascending();

        Create.Table("shipment_goods")
            .WithColumn("shipment_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("line_no").AsInt32().NotNullable().PrimaryKey()
            .WithColumn("description").AsString(1000).NotNullable()
            .WithColumn("hs_code").AsString(10).NotNullable()
            .WithColumn("quantity").AsInt32().NotNullable()
            .WithColumn("gross_mass_grams").AsInt64().NotNullable()
            .WithColumn("value_minor").AsInt64().NotNullable()
            .WithColumn("currency").AsString(3).NotNullable()
            .WithColumn("country_of_origin").AsString(2).NotNullable()
            .WithColumn("brand").AsString(200).NotNullable()
            .WithColumn("listing_id").AsString(64).NotNullable();
        Create.Index("ix_shipment_goods_hs").OnTable("shipment_goods").OnColumn("hs_code");

        // Destination, origin and routing countries, one row each: jurisdiction filters are an
        // indexed EXISTS inside the query, never a fetch-then-filter.
        Create.Table("shipment_countries")
            .WithColumn("shipment_id").AsString(64).NotNullable().PrimaryKey()
            .WithColumn("country").AsString(2).NotNullable().PrimaryKey()
            .WithColumn("ingest_seq").AsInt64().NotNullable();
        Create.Index("ix_shipment_countries_country_seq").OnTable("shipment_countries")
            .OnColumn("country").Ascending().OnColumn("ingest_seq").Ascending();
    }

    public override void Down()
    {
        Delete.Table("shipment_countries");
        Delete.Table("shipment_goods");
        Delete.Table("shipments");
        Delete.Table("listings");
        Delete.Table("sellers");
        Delete.Table("agencies");
    }
}
