using System.CommandLine;
using Gateway.Contracts.V1;
using Google.Protobuf;

namespace Gateway.Client.Commands;

internal static class SellerCommands
{
    public static Command Create(CommonOptions common)
    {
        var sellers = new Command("sellers", "Seller look-up (DSA Art. 30 trader information).");
        sellers.Add(Get(common));
        return sellers;
    }

    private static Command Get(CommonOptions common)
    {
        var id = new Option<string>("--id") { Description = "Seller id.", Required = true };
        var subsets = new Option<string[]>("--subsets") { Description = "SELLER_IDENTITY (default), SELLER_CONTACT, SELLER_FINANCIAL.", AllowMultipleArgumentsPerToken = true };
        var get = new Command("get", "Look a seller up; prints JSON. Visible only if the seller has a shipment in your jurisdiction.") { id, subsets };
        get.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var request = new GetSellerRequest { Context = common.Context(r), SellerId = r.GetValue(id)! };
            request.Subsets.AddRange(ShipmentCommands.ParseSubsets(r.GetValue(subsets)));
            var seller = await new SellerService.SellerServiceClient(channel).GetSellerAsync(request, cancellationToken: ct);
            Console.WriteLine(JsonFormatter.Default.Format(seller));
            return 0;
        });
        return get;
    }
}
