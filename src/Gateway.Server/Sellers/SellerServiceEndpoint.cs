using Gateway.Contracts.V1;
using Gateway.Server.Audit;
using Gateway.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Server.Sellers;

/// <summary>
/// GetSeller: the trader information of DSA Art. 30, for sellers the agency meets through a shipment
/// in its jurisdiction. Any other seller is NOT_FOUND with the same message as an absent one.
/// </summary>
internal sealed class SellerServiceEndpoint(SellerQueries queries, TimeProvider clock) : SellerService.SellerServiceBase
{
    public const int MaxIdLength = 64;

    public override async Task<Seller> GetSeller(GetSellerRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var sellerId = request.SellerId.Trim();
        if (sellerId.Length is 0 or > MaxIdLength)
        {
            throw RpcErrors.InvalidArgument("The seller id is invalid.", ("seller_id", $"Must be 1 to {MaxIdLength} characters."));
        }

        var subsets = DataSubsets.Resolve(caller, request.Subsets, DataSubset.SellerIdentity);
        var row = await queries.FindVisibleAsync(sellerId, caller.Agency.Jurisdictions, context.CancellationToken)
            ?? throw RpcErrors.NotFound("Seller");

        var strikes = subsets.Contains(DataSubset.SellerIdentity)
            ? await queries.StrikesSinceAsync(row.SellerId, clock.GetUtcNow().UtcDateTime.AddMonths(-12), context.CancellationToken)
            : 0;
        context.AuditReturned(row.SellerId);
        return ToContract(row, strikes, subsets);
    }

    /// <summary>Projects only the requested subsets; contact and payout data are personal data and stay empty unless asked for and granted.</summary>
    internal static Seller ToContract(SellerRow row, int strikes12m, IReadOnlySet<DataSubset> subsets)
    {
        // The id is always returned: the caller already knows it, and it tells records apart.
        var seller = new Seller { SellerId = row.SellerId };
        if (subsets.Contains(DataSubset.SellerIdentity))
        {
            seller.LegalName = row.LegalName;
            seller.TradingName = row.TradingName;
            seller.RegistrationNumber = row.RegistrationNumber;
            seller.VatNumber = row.VatNumber;
            seller.Eori = row.Eori;
            seller.Country = row.Country;
            seller.Status = System.Enum.TryParse<SellerStatus>(row.Status, ignoreCase: true, out var status) ? status : SellerStatus.Unspecified;
            seller.VerificationStatus = row.VerificationStatus;
            seller.AccountCreatedAt = Timestamp.FromDateTime(row.AccountCreatedAt);
            seller.Strikes12M = strikes12m;
        }

        if (subsets.Contains(DataSubset.SellerContact))
        {
            seller.AddressLines.AddRange(row.AddressLines.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            seller.Postcode = row.Postcode;
            seller.City = row.City;
            seller.Email = row.Email;
            seller.Phone = row.Phone;
        }

        if (subsets.Contains(DataSubset.SellerFinancial))
        {
            seller.PayoutAccountMasked = row.PayoutAccountMasked;
        }

        return seller;
    }
}
