using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Data;
using Gateway.Server.Grpc;
using Grpc.Core;

namespace Gateway.Tests;

public sealed class DataTests
{
    [Fact]
    public void Upsert_parameters_are_the_columns_in_pascal_case()
    {
        var sql = new SqliteDialect().Upsert("sellers", ["seller_id"], ["seller_id", "legal_name", "vat_number"]);
        Assert.Contains("VALUES (@SellerId, @LegalName, @VatNumber)", sql, StringComparison.Ordinal);
        Assert.Contains("ON CONFLICT (seller_id) DO UPDATE SET legal_name = excluded.legal_name, vat_number = excluded.vat_number", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("seller_id = excluded", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Subset_names_round_trip_and_unknown_names_are_refused()
    {
        Assert.All(SubsetNames.AllSubsets, s => Assert.Equal(s, SubsetNames.Parse(SubsetNames.ToName(s))));
        Assert.Equal("SHIPMENT_PARTIES", SubsetNames.ToName(DataSubset.ShipmentParties));
        Assert.Throws<FormatException>(() => SubsetNames.Parse("EVERYTHING"));
        Assert.Throws<FormatException>(() => SubsetNames.Parse("DATA_SUBSET_UNSPECIFIED"));
    }

    private static Caller CallerWith(params DataSubset[] granted) => new(
        new Agency("a", Agency.KindAgency, "A", Agency.StatusActive, ["FR"], ["shipments:read"], granted.ToHashSet(), "CN=a", null, 60),
        null, "");

    [Fact]
    public void No_requested_subset_means_the_core_subset()
    {
        var subsets = DataSubsets.Resolve(CallerWith(DataSubset.ShipmentCore), [], DataSubset.ShipmentCore);
        Assert.Equal([DataSubset.ShipmentCore], subsets);
    }

    [Fact]
    public void Any_ungranted_subset_refuses_the_whole_request_naming_only_the_denied_ones()
    {
        var caller = CallerWith(DataSubset.ShipmentCore, DataSubset.ShipmentParties);
        var e = Assert.Throws<RpcException>(() => DataSubsets.Resolve(caller,
            [DataSubset.ShipmentCore, DataSubset.SellerFinancial, DataSubset.SellerContact], DataSubset.ShipmentCore));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.EndsWith("SELLER_CONTACT, SELLER_FINANCIAL.", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_core_grant_even_the_default_is_refused()
    {
        var e = Assert.Throws<RpcException>(() => DataSubsets.Resolve(CallerWith(DataSubset.SellerIdentity), [], DataSubset.ShipmentCore));
        Assert.Contains("SHIPMENT_CORE", e.Status.Detail, StringComparison.Ordinal);
    }
}
