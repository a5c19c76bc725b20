using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Sellers;
using Gateway.Server.Shipments;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>Test data written through the gateway's own writers (or, for volume, one prepared insert per table in one transaction).</summary>
internal static class ShipmentData
{
    public static readonly DateTime Day = new(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);

    public static Shipment Parcel(string id, string sellerId, string destination, string origin = "CN", string[]? routing = null,
        string hsCode = "640399", string consignee = "Test Consignee", DateTime? declaredAt = null)
    {
        var declared = declaredAt ?? Day;
        var shipment = new Shipment
        {
            ShipmentId = id, TrackingNumber = "TN-" + id, Mrn = "", PlatformOrderId = "ORD-" + id, SellerId = sellerId,
            Consignor = new Party { Name = "Sender " + sellerId, Country = origin, City = "Somewhere" },
            Consignee = new Party
            {
                Name = consignee, AddressLines = { "1 Test Street" }, Postcode = "00000", City = "Testville", Country = destination,
                Email = "consignee@mail.example", Phone = "+00 0000",
            },
            OriginCountry = origin, DestinationCountry = destination, Carrier = "Test Post", TransportMode = "AIR",
            DeclaredAt = Timestamp.FromDateTime(declared), ShippedAt = Timestamp.FromDateTime(declared.AddHours(-20)),
            Goods =
            {
                new GoodsItem
                {
                    Description = "shoes", HsCode = hsCode, Quantity = 1, GrossMassGrams = 800,
                    IntrinsicValue = new Money { AmountMinor = 2500, Currency = "EUR" }, CountryOfOrigin = origin, Brand = "", ListingId = "LST-0001",
                },
            },
        };
        shipment.CountriesOfRouting.AddRange(routing ?? []);
        return shipment;
    }

    public static Seller Seller(string id, string country = "CN") => new()
    {
        SellerId = id, LegalName = id + " Ltd", TradingName = id + " Shop", RegistrationNumber = "REG-" + id, VatNumber = "VAT-" + id,
        Eori = "EORI-" + id, Country = country, Status = SellerStatus.Suspended, VerificationStatus = "VERIFIED",
        AccountCreatedAt = Timestamp.FromDateTime(Day.AddYears(-2)),
        AddressLines = { "Unit 1", "Main Road" }, Postcode = "12345", City = "Shenzhen", Email = id.ToLowerInvariant() + "@seller.example",
        Phone = "+86 000", PayoutAccountMasked = "CN** **** 9999",
    };

    /// <summary>Writes through <see cref="ShipmentWriter"/> (the real ingest path: each write takes the next ingest sequence).</summary>
    public static async Task WriteAsync(GatewayServer gateway, IEnumerable<Shipment> shipments, IEnumerable<Seller>? sellers = null)
    {
        var database = gateway.Services.GetRequiredService<Database>();
        var writer = gateway.Services.GetRequiredService<ShipmentWriter>();
        var sellerWriter = gateway.Services.GetRequiredService<SellerWriter>();
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var seller in sellers ?? [])
        {
            await sellerWriter.UpsertAsync(connection, transaction, seller);
        }

        foreach (var shipment in shipments)
        {
            await writer.UpsertAsync(connection, transaction, shipment);
        }

        await transaction.CommitAsync();
    }

    public static async Task ExecuteAsync(GatewayServer gateway, string sql, object? parameters = null)
    {
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        await connection.ExecuteAsync(sql, parameters);
    }

    public static async Task<List<string>> QueryIdsAsync(GatewayServer gateway, string sql, object? parameters = null)
    {
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        return (await connection.QueryAsync<string>(sql, parameters)).AsList();
    }

    /// <summary>
    /// Volume: <paramref name="count"/> shipments (one goods line, one jurisdiction row each) in one
    /// transaction with one prepared command per table — ~10× faster than the per-shipment writer.
    /// </summary>
    public static async Task BulkInsertAsync(GatewayServer gateway, string idPrefix, int count, string destination, string sellerId)
    {
        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var firstSeq = await connection.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(ingest_seq), 0) + 1 FROM shipments", transaction: transaction);

        await using var shipment = Command(connection, transaction, """
            INSERT INTO shipments (shipment_id, ingest_seq, tracking_number, mrn, platform_order_id, seller_id,
              consignor_name, consignor_address, consignor_postcode, consignor_city, consignor_country, consignor_email, consignor_phone, consignor_eori,
              consignee_name, consignee_address, consignee_postcode, consignee_city, consignee_country, consignee_email, consignee_phone, consignee_eori,
              origin_country, destination_country, countries_of_routing, carrier, transport_mode, declared_at, shipped_at, updated_at)
            VALUES (@id, @seq, @tracking, '', @order, @seller,
              'Sender', 'Road 1', '518000', 'Shenzhen', 'CN', 'sender@mail.example', '+86 0', '',
              @consignee, 'Street 2', '75000', 'Paris', @destination, 'c@mail.example', '+33 0', '',
              'CN', @destination, '', 'Test Post', 'AIR', @declared, @declared, @declared)
            """, "@id", "@seq", "@tracking", "@order", "@seller", "@consignee", "@destination", "@declared");
        await using var goods = Command(connection, transaction, """
            INSERT INTO shipment_goods (shipment_id, line_no, description, hs_code, quantity, gross_mass_grams, value_minor, currency, country_of_origin, brand, listing_id)
            VALUES (@id, 1, 'shoes', '640399', 1, 800, 2500, 'EUR', 'CN', '', 'LST-0001')
            """, "@id");
        await using var countries = Command(connection, transaction,
            "INSERT INTO shipment_countries (shipment_id, country) VALUES (@id, @country)", "@id", "@country");

        for (var i = 0; i < count; i++)
        {
            var id = $"{idPrefix}{i:D7}";
            var seq = firstSeq + i;
            Set(shipment, id, seq, "TN" + id, "ORD" + id, sellerId, "Consignee " + i, destination, Day.AddSeconds(i));
            await shipment.ExecuteNonQueryAsync();
            Set(goods, id);
            await goods.ExecuteNonQueryAsync();
            foreach (var country in new[] { "CN", destination })
            {
                Set(countries, id, country);
                await countries.ExecuteNonQueryAsync();
            }
        }

        await transaction.CommitAsync();
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Sets the values, preparing the command on first use (Npgsql prepares only typed parameters).</summary>
    private static void Set(DbCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            // Times are UTC in `timestamp` columns: Kind=Unspecified, as the gateway's Dapper handler writes them.
            command.Parameters[i].Value = values[i] is DateTime time ? DateTime.SpecifyKind(time, DateTimeKind.Unspecified) : values[i];
        }

        if (Prepared.Add(command))
        {
            command.Prepare();
        }
    }

    private static readonly HashSet<DbCommand> Prepared = new(ReferenceEqualityComparer.Instance);
}
