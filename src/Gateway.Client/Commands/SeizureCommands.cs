using System.CommandLine;
using System.Globalization;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Client.Commands;

/// <summary>
/// `seizures report|update|list`. Writes carry a request id so a timed-out command can be re-run
/// safely: it is printed before the call, and passing it back with --request-id makes the retry
/// return the first result instead of recording a second seizure or transition.
/// </summary>
internal static class SeizureCommands
{
    public static Command Create(CommonOptions common)
    {
        var seizures = new Command("seizures", "Report detentions and seizures, move them forward, list your own.");
        seizures.Add(Report(common));
        seizures.Add(Update(common));
        seizures.Add(List(common));
        return seizures;
    }

    /// <summary>Contract enum names (CONFIRMED_COUNTERFEIT, small_consignment, …) to values.</summary>
    public static T ParseName<T>(string name)
        where T : struct, System.Enum =>
        System.Enum.TryParse<T>(name.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var value) && Convert.ToInt32(value, CultureInfo.InvariantCulture) != 0
            ? value
            : throw new ArgumentException($"'{name}' is not a valid {typeof(T).Name}.");

    /// <summary>"BRAND;CATEGORY;QUANTITY;INFRINGEMENT[;AMOUNT_MINOR;CURRENCY]", e.g. "Gucci;handbags;12;TRADEMARK;4900;EUR".</summary>
    public static SeizedItem ParseItem(string text)
    {
        var parts = text.Split(';');
        if (parts.Length is not (4 or 6) || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var quantity))
        {
            throw new ArgumentException($"--item '{text}': expected BRAND;CATEGORY;QUANTITY;INFRINGEMENT[;AMOUNT_MINOR;CURRENCY].");
        }

        var item = new SeizedItem { Brand = parts[0], Category = parts[1], Quantity = quantity, InfringementType = ParseName<InfringementType>(parts[3]) };
        if (parts.Length == 6)
        {
            item.EstimatedValue = new Money
            {
                AmountMinor = long.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var amount)
                    ? amount
                    : throw new ArgumentException($"--item '{text}': '{parts[4]}' is not an amount in minor units."),
                Currency = parts[5].ToUpperInvariant(),
            };
        }

        return item;
    }

    private static Command Report(CommonOptions common)
    {
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key (UUID); generated and printed when omitted. Re-use it to retry safely." };
        var shipmentId = new Option<string?>("--shipment-id");
        var trackingNumber = new Option<string?>("--tracking-number");
        var office = new Option<string>("--customs-office") { Description = "Customs office of detention, e.g. FR000730.", Required = true };
        var detainedAt = new Option<DateTimeOffset?>("--detained-at") { Description = "Time of detention (ISO 8601; default now)." };
        var procedure = new Option<string>("--procedure") { Description = "STANDARD, SMALL_CONSIGNMENT, EX_OFFICIO or CRIMINAL.", DefaultValueFactory = _ => "STANDARD" };
        var reference = new Option<string?>("--agency-reference") { Description = "Your own reference for this seizure." };
        var leadId = new Option<string?>("--lead-id") { Description = "The lead that prompted the control, if any." };
        var items = new Option<string[]>("--item")
        {
            Description = "Seized goods, repeatable: BRAND;CATEGORY;QUANTITY;INFRINGEMENT[;AMOUNT_MINOR;CURRENCY].",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var report = new Command("report", "Report a detention; prints the receipt as JSON.")
        {
            requestId, shipmentId, trackingNumber, office, detainedAt, procedure, reference, leadId, items,
        };
        report.SetAction(async (r, ct) =>
        {
            var seizure = new Seizure
            {
                CustomsOffice = r.GetValue(office) ?? "",
                DetainedAt = Timestamp.FromDateTimeOffset(r.GetValue(detainedAt) ?? DateTimeOffset.UtcNow),
                Procedure = ParseName<SeizureProcedure>(r.GetValue(procedure) ?? ""),
                AgencyReference = r.GetValue(reference) ?? "",
                LeadId = r.GetValue(leadId) ?? "",
            };
            if (r.GetValue(shipmentId) is { } id)
            {
                seizure.ShipmentId = id;
            }
            else
            {
                seizure.TrackingNumber = r.GetValue(trackingNumber) ?? throw new ArgumentException("--shipment-id or --tracking-number is required.");
            }

            seizure.Items.AddRange((r.GetValue(items) ?? []).Select(ParseItem));
            var key = RequestId(r.GetValue(requestId));
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var receipt = await new SeizureService.SeizureServiceClient(channel).ReportSeizureAsync(
                new ReportSeizureRequest { Context = common.Context(r), RequestId = key, Seizure = seizure }, cancellationToken: ct);
            Console.WriteLine(JsonFormatter.Default.Format(receipt));
            return 0;
        });
        return report;
    }

    private static Command Update(CommonOptions common)
    {
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key (UUID); generated and printed when omitted. Re-use it to retry safely." };
        var id = new Option<string>("--id") { Description = "The seizure id.", Required = true };
        var status = new Option<string>("--status") { Description = "CONFIRMED_COUNTERFEIT, RELEASED, DESTROYED or IN_PROCEEDINGS.", Required = true };
        var note = new Option<string?>("--note") { Description = "Recorded with the transition." };
        var update = new Command("update", "Move a seizure forward; prints it as JSON.") { requestId, id, status, note };
        update.SetAction(async (r, ct) =>
        {
            var request = new UpdateSeizureStatusRequest
            {
                Context = common.Context(r),
                SeizureId = r.GetValue(id) ?? "",
                Status = ParseName<SeizureStatus>(r.GetValue(status) ?? ""),
                Note = r.GetValue(note) ?? "",
                RequestId = RequestId(r.GetValue(requestId)),
            };
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var seizure = await new SeizureService.SeizureServiceClient(channel).UpdateSeizureStatusAsync(request, cancellationToken: ct);
            Console.WriteLine(JsonFormatter.Default.Format(seizure));
            return 0;
        });
        return update;
    }

    private static Command List(CommonOptions common)
    {
        var status = new Option<string?>("--status") { Description = "Only seizures currently in this status." };
        var pageSize = new Option<int>("--page-size") { Description = "Seizures per call (server maximum 100).", DefaultValueFactory = _ => 100 };
        var all = new Option<bool>("--all") { Description = "Follow page tokens to the end." };
        var pageToken = new Option<string?>("--page-token") { Description = "Continue from a previous page." };
        var list = new Command("list", "Your agency's seizures, newest first, one JSON object per line.") { status, pageSize, all, pageToken };
        list.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var client = new SeizureService.SeizureServiceClient(channel);
            var request = new ListSeizuresRequest
            {
                Context = common.Context(r),
                PageSize = r.GetValue(pageSize),
                PageToken = r.GetValue(pageToken) ?? "",
                Status = r.GetValue(status) is { } s ? ParseName<SeizureStatus>(s) : SeizureStatus.Unspecified,
            };
            do
            {
                var page = await client.ListSeizuresAsync(request, cancellationToken: ct);
                foreach (var seizure in page.Seizures)
                {
                    Console.WriteLine(JsonFormatter.Default.Format(seizure));
                }

                request.PageToken = page.NextPageToken;
            }
            while (r.GetValue(all) && request.PageToken.Length > 0);

            if (request.PageToken.Length > 0)
            {
                await Console.Error.WriteLineAsync($"more: --page-token {request.PageToken}");
            }

            return 0;
        });
        return list;
    }

    /// <summary>The given key, or a new UUID — printed first, so a timed-out command can be retried with it.</summary>
    private static string RequestId(string? given)
    {
        var key = string.IsNullOrWhiteSpace(given) ? Guid.NewGuid().ToString() : given;
        Console.Error.WriteLine($"request id: {key} (re-run with --request-id {key} to retry safely)");
        return key;
    }
}
