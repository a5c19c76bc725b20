using System.CommandLine;
using System.Globalization;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Spectre.Console;

namespace Gateway.Client.Commands;

internal static class ShipmentCommands
{
    public static Command Create(CommonOptions common)
    {
        var shipments = new Command("shipments", "Shipment look-up, search and export.");
        shipments.Add(Get(common));
        shipments.Add(Search(common));
        shipments.Add(Export(common));
        return shipments;
    }

    /// <summary>Parses contract subset names (SHIPMENT_CORE, shipment_parties, …).</summary>
    public static IEnumerable<DataSubset> ParseSubsets(IEnumerable<string>? names) =>
        (names ?? []).Select(n => System.Enum.Parse<DataSubset>(n.Replace("_", "", StringComparison.Ordinal), ignoreCase: true));

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

    private static Option<string[]> SubsetsOption() =>
        new("--subsets") { Description = "Data subsets, e.g. SHIPMENT_CORE SHIPMENT_PARTIES (default SHIPMENT_CORE).", AllowMultipleArgumentsPerToken = true };

    private static Command Search(CommonOptions common)
    {
        var filter = new FilterOptions();
        var pageSize = new Option<int>("--page-size") { Description = "Shipments per page (default 100, at most 1000)." };
        var pageToken = new Option<string?>("--page-token") { Description = "Continue from a previous page's next-page token." };
        var json = new Option<bool>("--json") { Description = "Print the shipments as JSON lines instead of a table." };
        var subsets = SubsetsOption();
        var search = new Command("search", "Search shipments in your jurisdiction, one page at a time.") { pageSize, pageToken, json, subsets };
        filter.AddTo(search);
        search.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var request = new SearchShipmentsRequest
            {
                Context = common.Context(r), Filter = filter.ToFilter(r), PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "",
            };
            request.Subsets.AddRange(ParseSubsets(r.GetValue(subsets)));
            var response = await new ShipmentService.ShipmentServiceClient(channel).SearchShipmentsAsync(request, cancellationToken: ct);
            if (r.GetValue(json))
            {
                foreach (var shipment in response.Shipments)
                {
                    Console.WriteLine(JsonFormatter.Default.Format(shipment));
                }
            }
            else
            {
                var table = new Table().AddColumns("shipment", "tracking", "seller", "route", "declared", "HS codes", "value", "risk", "consignee");
                foreach (var s in response.Shipments)
                {
                    var route = string.Join(" → ", new[] { s.OriginCountry }.Concat(s.CountriesOfRouting).Append(s.DestinationCountry));
                    var value = s.Goods.Count == 0 ? "" : $"{s.Goods.Sum(g => g.IntrinsicValue?.AmountMinor ?? 0) / 100m:0.00} {s.Goods[0].IntrinsicValue?.Currency}";
                    table.AddRow(
                        Markup.Escape(s.ShipmentId), Markup.Escape(s.TrackingNumber), Markup.Escape(s.SellerId), Markup.Escape(route),
                        s.DeclaredAt?.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
                        Markup.Escape(string.Join(' ', s.Goods.Select(g => g.HsCode))), Markup.Escape(value),
                        s.Risk?.Score.ToString(CultureInfo.InvariantCulture) ?? "", Markup.Escape(s.Consignee?.Name ?? ""));
                }

                AnsiConsole.Write(table);
            }

            // The token goes to stderr so that `--json > file` stays clean.
            await Console.Error.WriteLineAsync(response.NextPageToken.Length > 0
                ? $"{response.Shipments.Count} shipments; next page: --page-token {response.NextPageToken}"
                : $"{response.Shipments.Count} shipments; last page.");
            return 0;
        });
        return search;
    }

    private static Command Export(CommonOptions common)
    {
        var filter = new FilterOptions();
        var format = new Option<ExportFormat>("--format") { Description = "csv or ndjson.", DefaultValueFactory = _ => ExportFormat.Csv };
        var output = new Option<string>("--out") { Description = "Output file.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted export of the same filter into the same file." };
        var batchSize = new Option<int>("--batch-size") { Description = "Shipments per streamed batch (default 1000)." };
        var subsets = SubsetsOption();
        var export = new Command("export", "Export every shipment matching a filter to CSV or NDJSON (resumable).") { format, output, resume, batchSize, subsets };
        filter.AddTo(export);
        export.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            using var channel = connection.CreateChannel();
            var request = new ExportShipmentsRequest { Context = common.Context(r), Filter = filter.ToFilter(r), BatchSize = r.GetValue(batchSize) };
            request.Subsets.AddRange(ParseSubsets(r.GetValue(subsets)));
            var path = r.GetValue(output)!;
            try
            {
                var total = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("0 shipments").IsIndeterminate();
                        var count = await ShipmentExportFile.RunAsync(new ShipmentService.ShipmentServiceClient(channel), request, path,
                            r.GetValue(format), r.GetValue(resume), n => task.Description = $"{n:N0} shipments", ct);
                        task.IsIndeterminate(false).Value(100);
                        return count;
                    });
                AnsiConsole.MarkupLineInterpolated($"[green]{total:N0}[/] shipments written to {path}");
                return 0;
            }
            catch (Exception e) when (e is OperationCanceledException || (e is Grpc.Core.RpcException rpc && rpc.StatusCode is Grpc.Core.StatusCode.Cancelled or Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded))
            {
                if (File.Exists(ShipmentExportFile.StatePath(path)))
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted[/]; run the same command with --resume to continue after the last batch written.");
                }

                return 130;
            }
        });
        return export;
    }

    /// <summary>The ShipmentFilter as command-line options (search and export take the same ones).</summary>
    private sealed class FilterOptions
    {
        private readonly Option<string?> destination = new("--destination") { Description = "Destination country (ISO alpha-2)." };
        private readonly Option<string?> origin = new("--origin") { Description = "Origin country (ISO alpha-2)." };
        private readonly Option<string?> seller = new("--seller") { Description = "Seller id." };
        private readonly Option<string?> hsPrefix = new("--hs-prefix") { Description = "HS code prefix of any goods line, e.g. 6403." };
        private readonly Option<string?> declaredFrom = new("--declared-from") { Description = "Declared at or after (inclusive), e.g. 2026-10-01 or 2026-10-01T00:00:00Z." };
        private readonly Option<string?> declaredTo = new("--declared-to") { Description = "Declared before (exclusive)." };
        private readonly Option<int?> minRisk = new("--min-risk") { Description = "Minimum risk score (0-100)." };
        private readonly Option<string?> consignee = new("--consignee") { Description = "Consignee name contains (case-insensitive)." };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { destination, origin, seller, hsPrefix, declaredFrom, declaredTo, minRisk, consignee })
            {
                command.Add(option);
            }
        }

        public ShipmentFilter ToFilter(ParseResult r)
        {
            var filter = new ShipmentFilter
            {
                DestinationCountry = r.GetValue(destination) ?? "",
                OriginCountry = r.GetValue(origin) ?? "",
                SellerId = r.GetValue(seller) ?? "",
                HsCodePrefix = r.GetValue(hsPrefix) ?? "",
                ConsigneeNameContains = r.GetValue(consignee) ?? "",
                DeclaredFrom = Time(r.GetValue(declaredFrom), "--declared-from"),
                DeclaredTo = Time(r.GetValue(declaredTo), "--declared-to"),
            };
            if (r.GetValue(minRisk) is { } risk)
            {
                filter.MinRiskScore = risk;
            }

            return filter;
        }

        /// <summary>A date or time without an offset is read as UTC, like every time in the gateway.</summary>
        private static Google.Protobuf.WellKnownTypes.Timestamp? Time(string? value, string option) =>
            value is null ? null
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time)
                : throw new ArgumentException($"{option}: '{value}' is not a date or time (e.g. 2026-10-01 or 2026-10-01T08:00:00Z).");
    }
}
