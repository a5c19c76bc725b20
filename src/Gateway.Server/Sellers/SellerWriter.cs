using System.Data.Common;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;

namespace Gateway.Server.Sellers;

/// <summary>Writes a seller inside the caller's transaction, idempotent by seller_id.</summary>
internal sealed class SellerWriter(Database database, TimeProvider clock)
{
    private readonly string upsert = database.Dialect.Upsert("sellers", ["seller_id"],
    [
        "seller_id", "legal_name", "trading_name", "registration_number", "vat_number", "eori", "country", "status",
        "verification_status", "account_created_at", "address_lines", "postcode", "city", "email", "phone",
        "payout_account_masked", "updated_at",
    ]);

    public Task UpsertAsync(DbConnection connection, DbTransaction transaction, Seller seller, CancellationToken cancellationToken = default) =>
        connection.ExecuteAsync(new CommandDefinition(upsert, new
        {
            seller.SellerId,
            seller.LegalName,
            seller.TradingName,
            seller.RegistrationNumber,
            seller.VatNumber,
            seller.Eori,
            Country = seller.Country.ToUpperInvariant(),
            Status = seller.Status == SellerStatus.Unspecified ? "ACTIVE" : seller.Status.ToString().ToUpperInvariant(),
            seller.VerificationStatus,
            AccountCreatedAt = seller.AccountCreatedAt?.ToDateTime() ?? clock.GetUtcNow().UtcDateTime,
            AddressLines = string.Join('\n', seller.AddressLines),
            seller.Postcode,
            seller.City,
            seller.Email,
            seller.Phone,
            seller.PayoutAccountMasked,
            UpdatedAt = clock.GetUtcNow().UtcDateTime,
        }, transaction, cancellationToken: cancellationToken));
}
