using System.CommandLine;
using Gateway.Client;
using Gateway.Client.Commands;
using Spectre.Console;

// gateway-client: the agency analyst's / investigator's command line over gRPC + mutual TLS.
var common = new CommonOptions();
var root = new RootCommand("gateway-client: query the gateway with your agency certificate.");
common.AddTo(root);
root.Add(TokenCommand.Create(common));
root.Add(ShipmentCommands.Create(common));
root.Add(SellerCommands.Create(common));
root.Add(SeizureCommands.Create(common));
root.Add(LeadCommands.Create(common));

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Grpc.Core.RpcException e)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.StatusCode}[/]: {e.Status.Detail}");
    return 1;
}
catch (Exception e) when (e is TokenRequestException or ArgumentException or IOException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
    return 1;
}
