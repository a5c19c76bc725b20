using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Ingest;

namespace Gateway.Server.Sellers;

/// <summary>Writes sellers inside the caller's transaction, idempotent by seller_id.</summary>
internal sealed class SellerWriter(Database database, TimeProvider clock) : IRecordWriter<Seller>
{
    private static readonly string[] Columns =
    [
        "seller_id", "legal_name", "trading_name", "registration_number", "vat_number", "eori", "country", "status",
        "verification_status", "account_created_at", "address_lines", "postcode", "city", "email", "phone",
        "payout_account_masked", "updated_at",
    ];

    private readonly string upsert = database.Dialect.Upsert("sellers", ["seller_id"], Columns);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string LockTable => "sellers";

    public async Task UpsertAsync(DbConnection connection, DbTransaction transaction, Seller seller, CancellationToken cancellationToken = default)
    {
        await using var batch = await BeginBatchAsync(connection, transaction, cancellationToken);
        await batch.UpsertAsync(seller, cancellationToken);
    }

    public Task<IRecordBatch<Seller>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default) =>
        Task.FromResult<IRecordBatch<Seller>>(new Batch(this, connection, transaction));

    /// <summary>The contract's status name as stored (ACTIVE, SUSPENDED, EXCLUDED); unspecified means active.</summary>
    public static string StatusName(SellerStatus status) => status switch
    {
        SellerStatus.Suspended => "SUSPENDED",
        SellerStatus.Excluded => "EXCLUDED",
        _ => "ACTIVE",
    };

    private sealed class Batch(SellerWriter writer, DbConnection connection, DbTransaction transaction) : IRecordBatch<Seller>
    {
        private readonly PreparedCommand exists = new(connection, transaction, "SELECT 1 FROM sellers WHERE seller_id = @SellerId", "SellerId");
        private readonly PreparedCommand upsert = new(connection, transaction, writer.upsert, Columns.Select(SqlDialect.Parameter));

        public async Task<bool> UpsertAsync(Seller seller, object? prepared, CancellationToken cancellationToken = default)
        {
            var existed = await exists.Set("SellerId", seller.SellerId).ScalarAsync(cancellationToken) is not null;
            var now = writer.Now;
            await upsert
                .Set("SellerId", seller.SellerId)
                .Set("LegalName", seller.LegalName)
                .Set("TradingName", seller.TradingName)
                .Set("RegistrationNumber", seller.RegistrationNumber)
                .Set("VatNumber", seller.VatNumber)
                .Set("Eori", seller.Eori)
                .Set("Country", seller.Country.ToUpperInvariant())
                .Set("Status", StatusName(seller.Status))
                .Set("VerificationStatus", seller.VerificationStatus)
                .Set("AccountCreatedAt", seller.AccountCreatedAt?.ToDateTime() ?? now)
                .Set("AddressLines", string.Join('\n', seller.AddressLines))
                .Set("Postcode", seller.Postcode)
                .Set("City", seller.City)
                .Set("Email", seller.Email)
                .Set("Phone", seller.Phone)
                .Set("PayoutAccountMasked", seller.PayoutAccountMasked)
                .Set("UpdatedAt", now)
                .ExecuteAsync(cancellationToken);
            return !existed;
        }

        public async ValueTask DisposeAsync()
        {
            await exists.DisposeAsync();
            await upsert.DisposeAsync();
        }
    }
}
