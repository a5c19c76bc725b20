using System.CommandLine;
using Gateway.Client.Receiver;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Gateway.Client.Commands;

/// <summary>`gateway-client leads create|pull|ack|get|listen`.</summary>
internal static class LeadCommands
{
    public static Command Create(CommonOptions common)
    {
        var leads = new Command("leads", "Leads: create (platform investigators), pull, acknowledge, or receive them pushed.");
        leads.Add(CreateLead(common));
        leads.Add(Pull(common));
        leads.Add(Ack(common));
        leads.Add(Get(common));
        leads.Add(Listen(common));
        return leads;
    }

    private static Command CreateLead(CommonOptions common)
    {
        var agency = new Option<string>("--agency") { Description = "The agency to send the lead to.", Required = true };
        var shipments = new Option<string[]>("--shipment") { Description = "Shipment id(s).", AllowMultipleArgumentsPerToken = true };
        var seller = new Option<string?>("--seller") { Description = "Seller id (default: the shipments' seller)." };
        var narrative = new Option<string>("--narrative") { Description = "Why these shipments / this seller are suspect.", Required = true };
        var investigator = new Option<string>("--investigator") { Description = "Your investigator id.", Required = true };
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key (UUID); reuse it to retry safely. Default: a new one." };
        var command = new Command("create", "Create a lead for an agency (platform investigators); prints it as JSON.")
            { agency, shipments, seller, narrative, investigator, requestId };
        command.SetAction(async (r, ct) =>
        {
            var request = new CreateLeadRequest
            {
                Context = common.Context(r),
                RequestId = r.GetValue(requestId) ?? Guid.NewGuid().ToString(),
                AgencyId = r.GetRequiredValue(agency),
                SellerId = r.GetValue(seller) ?? "",
                Narrative = r.GetRequiredValue(narrative),
                InvestigatorId = r.GetRequiredValue(investigator),
            };
            request.ShipmentIds.AddRange(r.GetValue(shipments) ?? []);
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            await Console.Error.WriteLineAsync($"request id {request.RequestId}");
            var lead = await new LeadService.LeadServiceClient(channel).CreateLeadAsync(request, cancellationToken: ct);
            Console.WriteLine(JsonFormatter.Default.Format(lead));
            return 0;
        });
        return command;
    }

    private static Command Pull(CommonOptions common)
    {
        var max = new Option<int>("--max") { Description = "Maximum leads (default 100, at most 1000)." };
        var command = new Command("pull", "Fetch your undelivered leads (they become DELIVERED); prints one JSON lead per line.") { max };
        command.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var response = await new LeadService.LeadServiceClient(channel)
                .PullLeadsAsync(new PullLeadsRequest { Context = common.Context(r), MaxLeads = r.GetValue(max) }, cancellationToken: ct);
            foreach (var lead in response.Leads)
            {
                Console.WriteLine(JsonFormatter.Default.Format(lead));
            }

            await Console.Error.WriteLineAsync($"{response.Leads.Count} lead(s)");
            return 0;
        });
        return command;
    }

    private static Command Ack(CommonOptions common)
    {
        var leadIds = new Option<string[]>("--lead") { Description = "Lead id(s) to acknowledge.", Required = true, AllowMultipleArgumentsPerToken = true };
        var disposition = new Option<string>("--disposition") { Description = "ACCEPTED | REJECTED | NEEDS_INFO.", Required = true };
        disposition.AcceptOnlyFromAmong("ACCEPTED", "REJECTED", "NEEDS_INFO", "accepted", "rejected", "needs_info");
        var note = new Option<string?>("--note") { Description = "Note for the platform." };
        var command = new Command("ack", "Acknowledge your leads with a disposition.") { leadIds, disposition, note };
        command.SetAction(async (r, ct) =>
        {
            var value = Enum.Parse<LeadDisposition>(r.GetRequiredValue(disposition).Replace("_", "", StringComparison.Ordinal), ignoreCase: true);
            var request = new AcknowledgeLeadsRequest { Context = common.Context(r) };
            foreach (var id in r.GetRequiredValue(leadIds))
            {
                request.Acks.Add(new LeadAck { LeadId = id, Disposition = value, Note = r.GetValue(note) ?? "" });
            }

            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var response = await new LeadService.LeadServiceClient(channel).AcknowledgeLeadsAsync(request, cancellationToken: ct);
            AnsiConsole.MarkupLineInterpolated($"[green]Acknowledged {response.AcknowledgedLeadIds.Count} lead(s).[/]");
            return 0;
        });
        return command;
    }

    private static Command Get(CommonOptions common)
    {
        var leadId = new Argument<string>("lead-id");
        var command = new Command("get", "Show one lead (yours, or any for the platform) as JSON.") { leadId };
        command.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var lead = await new LeadService.LeadServiceClient(channel)
                .GetLeadAsync(new GetLeadRequest { Context = common.Context(r), LeadId = r.GetRequiredValue(leadId) }, cancellationToken: ct);
            Console.WriteLine(JsonFormatter.Default.Format(lead));
            return 0;
        });
        return command;
    }

    private static Command Listen(CommonOptions common)
    {
        var port = new Option<int>("--port") { Description = "Port to listen on.", Required = true };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var clientCa = new Option<string>("--client-ca") { Description = "CA (PEM) that issued the gateway's push certificate.", Required = true };
        var gatewaySubject = new Option<string>("--gateway-subject")
        {
            Description = "Subject the gateway's certificate must carry ('-' accepts any certificate from the CA).",
            DefaultValueFactory = _ => "CN=gateway-push, O=Gateway",
        };
        var output = new Option<string>("--out") { Description = "NDJSON file the leads are appended to (also the dedup memory).", DefaultValueFactory = _ => "leads.ndjson" };
        var command = new Command("listen", "Run a LeadReceiver (mTLS; --cert/--key are its server certificate) and append pushed leads to a file.")
            { port, bind, clientCa, gatewaySubject, output };
        command.SetAction(async (r, ct) =>
        {
            var options = new LeadReceiverOptions
            {
                BindAddress = r.GetRequiredValue(bind),
                Port = r.GetRequiredValue(port),
                CertificatePath = r.GetValue(common.Cert) ?? throw new ArgumentException("--cert (the receiver's server certificate) is required."),
                KeyPath = r.GetValue(common.Key) ?? throw new ArgumentException("--key is required."),
                ClientCaPath = r.GetRequiredValue(clientCa),
                GatewaySubject = r.GetRequiredValue(gatewaySubject) is "-" ? null : r.GetRequiredValue(gatewaySubject),
                OutputPath = r.GetRequiredValue(output),
                Logging = logging => logging.AddSimpleConsole(o => o.SingleLine = true)
                    .AddFilter("Microsoft", LogLevel.Warning),
            };
            await using var receiver = await LeadReceiverHost.StartAsync(options, ct);
            AnsiConsole.MarkupLineInterpolated($"[green]LeadReceiver listening on {options.BindAddress}:{receiver.Address.Port}[/], leads → {receiver.File.Path} ({await receiver.File.CountAsync()} already stored). Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }
}
