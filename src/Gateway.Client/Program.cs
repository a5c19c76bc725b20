using System.CommandLine;
using Gateway.Client;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Spectre.Console;

// gateway-client: the agency analyst's / investigator's command line over gRPC + mTLS.
var address = new Option<Uri>("--address") { Description = "Gateway address.", DefaultValueFactory = _ => new Uri("https://localhost:7443/"), Recursive = true };
var cert = new Option<string>("--cert") { Description = "Client certificate (PEM).", Recursive = true };
var key = new Option<string>("--key") { Description = "Client private key (PEM).", Recursive = true };
var ca = new Option<string?>("--ca") { Description = "CA that issued the gateway's certificate (PEM).", Recursive = true };
var clientId = new Option<string>("--client-id") { Description = "Your registered client id.", Recursive = true };
var legalBasis = new Option<string>("--legal-basis") { Description = "Legal basis of the request, e.g. \"EU 608/2013 art. 17\".", Recursive = true };
var caseRef = new Option<string>("--case") { Description = "Case reference.", Recursive = true };
var officer = new Option<string?>("--officer") { Description = "Officer id (recorded in the audit log).", Recursive = true };

var root = new RootCommand("gateway-client: query the gateway with your agency certificate.") { address, cert, key, ca, clientId, legalBasis, caseRef, officer };

GatewayConnection Connect(ParseResult r) => GatewayConnection.FromPem(
    r.GetRequiredValue(address), r.GetRequiredValue(cert), r.GetRequiredValue(key), r.GetValue(ca), r.GetRequiredValue(clientId));

RequestContext Context(ParseResult r) => new()
{
    LegalBasis = r.GetValue(legalBasis) ?? "",
    CaseReference = r.GetValue(caseRef) ?? "",
    OfficerId = r.GetValue(officer) ?? "",
};

var scope = new Option<string[]>("--scope") { Description = "Scopes to ask for (default: all granted).", AllowMultipleArgumentsPerToken = true };
var token = new Command("token", "Fetch an access token bound to your certificate and print it.") { scope };
token.SetAction(async (r, ct) =>
{
    using var connection = Connect(r);
    var response = await connection.RequestTokenAsync(r.GetValue(scope), ct);
    Console.WriteLine(response.AccessToken);
    await Console.Error.WriteLineAsync($"expires in {response.ExpiresIn} s; scopes: {response.Scope}");
    return 0;
});
root.Add(token);

var trackingNumber = new Option<string?>("--tracking-number");
var shipmentId = new Option<string?>("--id");
var mrn = new Option<string?>("--mrn");
var subsets = new Option<string[]>("--subsets") { Description = "Data subsets, e.g. SHIPMENT_CORE SHIPMENT_PARTIES.", AllowMultipleArgumentsPerToken = true };
var get = new Command("get", "Look a shipment up by id, tracking number or MRN; prints JSON.") { trackingNumber, shipmentId, mrn, subsets };
get.SetAction(async (r, ct) =>
{
    using var connection = Connect(r);
    using var channel = connection.CreateChannel();
    var request = new GetShipmentRequest { Context = Context(r) };
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

    foreach (var subset in r.GetValue(subsets) ?? [])
    {
        request.Subsets.Add(Enum.Parse<DataSubset>(subset.Replace("_", "", StringComparison.Ordinal), ignoreCase: true));
    }

    var shipment = await new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(request, cancellationToken: ct);
    Console.WriteLine(JsonFormatter.Default.Format(shipment));
    return 0;
});
root.Add(new Command("shipments", "Shipment look-up.") { get });

var result = root.Parse(args);
try
{
    return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Grpc.Core.RpcException e)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.StatusCode}[/]: {e.Status.Detail}");
    return 1;
}
catch (TokenRequestException e)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
    return 1;
}
