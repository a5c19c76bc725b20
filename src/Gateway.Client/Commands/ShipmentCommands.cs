using System.CommandLine;
using Gateway.Contracts.V1;
using Google.Protobuf;

namespace Gateway.Client.Commands;

internal static class ShipmentCommands
{
    public static Command Create(CommonOptions common)
    {
        var shipments = new Command("shipments", "Shipment look-up, search and export.");
        shipments.Add(Get(common));
        return shipments;
    }

    /// <summary>Parses contract subset names (SHIPMENT_CORE, shipment_parties, …).</summary>
    public static IEnumerable<DataSubset> ParseSubsets(IEnumerable<string>? names) =>
        (names ?? []).Select(n => Enum.Parse<DataSubset>(n.Replace("_", "", StringComparison.Ordinal), ignoreCase: true));

    private static Command Get(CommonOptions common)
    {
        var trackingNumber = new Option<string?>("--tracking-number");
        var shipmentId = new Option<string?>("--id");
        var mrn = new Option<string?>("--mrn");
        var subsets = new Option<string[]>("--subsets") { Description = "Data subsets, e.g. SHIPMENT_CORE SHIPMENT_PARTIES.", AllowMultipleArgumentsPerToken = true };
        var get = new Command("get", "Look a shipment up by id, tracking number or MRN; prints JSON.") { trackingNumber, shipmentId, mrn, subsets };
        get.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var request = new GetShipmentRequest { Context = common.Context(r) };
            if (r.GetValue(trackingNumber) is { } t)
            {
                request.TrackingNumber = t;
            }
            else if (r.GetValue(mrn) is { } m)
            {
                request.Mrn = m;
            }
            else if (r.GetValue(shipmentId) is { } i)
            {
                request.ShipmentId = i;
            }

            request.Subsets.AddRange(ParseSubsets(r.GetValue(subsets)));
            var shipment = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(request, cancellationToken: ct);
            Console.WriteLine(JsonFormatter.Default.Format(shipment));
            return 0;
        });
        return get;
    }
}
