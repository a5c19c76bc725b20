using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Risk;
using Gateway.Server.Seed;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>
/// ExportShipments reads its batches with its own single-statement reader (shipments joined to goods and
/// listings, straight into protobuf); SearchShipments keeps the page + IN-list + mapping path. Over a
/// seeded, scored marketplace (several goods lines, listings, parties, risk reasons) both must hand an
/// agency exactly the same records, field for field, for every combination of subsets it may ask for.
/// </summary>
public sealed class ExportEquivalenceTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task Export_returns_exactly_what_search_returns_for_each_agency_and_subset_combination()
    {
        await new Seeder(gateway.Services.GetRequiredService<Database>(), gateway.Clock)
            .RunAsync(new SyntheticMarketplace(seed: 3, sellerCount: 200), shipments: 2_500);
        await gateway.Services.GetRequiredService<ScoreShipmentsJob>().RunAsync(CancellationToken.None);

        foreach (var (agency, subsets) in new (string, DataSubset[])[]
        {
            ("fr-customs", [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings]),
            ("fr-customs", [DataSubset.ShipmentParties]),
            ("fr-customs", [DataSubset.Listings]),
            ("fr-customs", []),
            ("de-customs", [DataSubset.ShipmentCore]),
        })
        {
            using var connection = gateway.Connect(agency);
            using var channel = connection.CreateChannel();
            var client = new ShipmentService.ShipmentServiceClient(channel);

            var searched = new List<Shipment>();
            var token = "";
            do
            {
                var request = new SearchShipmentsRequest { Context = Calls.Context(), PageSize = 1000, PageToken = token };
                request.Subsets.AddRange(subsets);
                var page = await client.SearchShipmentsAsync(request);
                searched.AddRange(page.Shipments);
                token = page.NextPageToken;
            }
            while (token.Length > 0);

            var exported = new List<Shipment>();
            var export = new ExportShipmentsRequest { Context = Calls.Context(), BatchSize = 333 };
            export.Subsets.AddRange(subsets);
            using (var call = client.ExportShipments(export))
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    exported.AddRange(call.ResponseStream.Current.Shipments);
                }
            }

            var label = $"{agency} [{string.Join(",", subsets)}]";
            Assert.True(searched.Count > 100, label);
            // The seeded data exercises what the reader assembles from joined rows.
            if (subsets.Contains(DataSubset.ShipmentCore))
            {
                Assert.Contains(exported, s => s.Goods.Count > 1);
                Assert.Contains(exported, s => s.Risk is { Reasons.Count: > 0 });
            }

            if (subsets.Contains(DataSubset.Listings))
            {
                Assert.Contains(exported, s => s.Listings.Count > 0);
            }

            Assert.Equal(searched.Count, exported.Count);
            for (var i = 0; i < searched.Count; i++)
            {
                Assert.True(searched[i].Equals(exported[i]), $"{label}: record {i} differs:\n search {searched[i]}\n export {exported[i]}");
            }
        }
    }
}
