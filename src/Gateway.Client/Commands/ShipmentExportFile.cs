using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Client.Commands;

internal enum ExportFormat
{
    Csv,
    Ndjson,
}

/// <summary>
/// Writes an ExportShipments stream to a CSV or NDJSON file, resumably. After each batch is flushed
/// to disk, FILE.resume records the batch's resume token and the file length at that point. If the
/// export is interrupted (network, Ctrl+C, crash), `--resume` truncates FILE to that length — dropping
/// any half-written batch — and asks the gateway to continue after that batch: no gaps, no duplicates.
/// The state file is removed when the export completes.
/// </summary>
internal static class ShipmentExportFile
{
    public static string StatePath(string path) => path + ".resume";

    /// <returns>Shipments in the file when done (including those written before a resume).</returns>
    public static async Task<long> RunAsync(
        ShipmentService.ShipmentServiceClient client, ExportShipmentsRequest request, string path, ExportFormat format, bool resume,
        Action<long>? progress, CancellationToken cancellationToken)
    {
        var statePath = StatePath(path);
        ExportState state;
        FileStream file;
        if (resume)
        {
            if (!File.Exists(statePath))
            {
                throw new ArgumentException($"Nothing to resume: {statePath} does not exist.");
            }

            state = JsonSerializer.Deserialize<ExportState>(await File.ReadAllTextAsync(statePath, cancellationToken))
                ?? throw new IOException($"{statePath} is not a resume file.");
            if (state.Format != format)
            {
                throw new ArgumentException($"The interrupted export was written as {state.Format}; resume it with --format {state.Format.ToString().ToLowerInvariant()}.");
            }

            file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            file.SetLength(state.Length);
            file.Seek(0, SeekOrigin.End);
        }
        else
        {
            if (File.Exists(statePath))
            {
                throw new ArgumentException($"{path} is an interrupted export ({statePath} exists): pass --resume to continue it, or delete {statePath} to start over.");
            }

            file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
            state = new ExportState("", 0, 0, format);
        }

        await using (file)
        await using (var text = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true))
        await using (var csv = format == ExportFormat.Csv ? CsvWriter.Create(text, CsvOptions, leaveOpen: true) : null)
        {
            async Task CheckpointAsync()
            {
                if (csv is not null)
                {
                    await csv.FlushAsync(cancellationToken);
                }

                await text.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
                state = state with { Length = file.Position };
                // Write-then-rename: the state file is always either the old or the new checkpoint.
                var temporary = statePath + ".tmp";
                await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(state), cancellationToken);
                File.Move(temporary, statePath, overwrite: true);
            }

            if (csv is not null && state.Length == 0)
            {
                csv.WriteHeader(CsvColumns);
            }

            await CheckpointAsync();
            progress?.Invoke(state.Count);

            request.ResumeToken = state.Token;
            using var call = client.ExportShipments(request, cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var batch = call.ResponseStream.Current;
                foreach (var shipment in batch.Shipments)
                {
                    if (csv is not null)
                    {
                        WriteCsv(csv, shipment);
                    }
                    else
                    {
                        await text.WriteAsync(JsonFormatter.Default.Format(shipment));
                        await text.WriteAsync('\n');
                    }
                }

                state = state with { Token = batch.ResumeToken, Count = state.Count + batch.Shipments.Count };
                await CheckpointAsync();
                progress?.Invoke(state.Count);
            }
        }

        File.Delete(statePath);
        return state.Count;
    }

    /// <summary>
    /// Names and addresses come from marketplace users: a field starting with = + - @ is escaped so a
    /// spreadsheet shows it as text instead of running it as a formula (phone numbers get a leading ').
    /// </summary>
    private static readonly CsvWriterOptions CsvOptions = new() { Injection = CsvInjection.Escape, NewLine = "\n" };

    public static readonly string[] CsvColumns =
    [
        "shipment_id", "tracking_number", "mrn", "platform_order_id", "seller_id", "origin_country", "destination_country",
        "countries_of_routing", "carrier", "transport_mode", "declared_at", "shipped_at", "hs_codes", "goods", "brands",
        "total_value_minor", "currency", "risk_score", "risk_reasons",
        "consignor_name", "consignor_country", "consignee_name", "consignee_address", "consignee_postcode", "consignee_city",
        "consignee_country", "consignee_email", "consignee_phone", "listing_urls",
    ];

    private static void WriteCsv(CsvWriter csv, Shipment s)
    {
        static string Time(Timestamp? t) => t is null ? "" : t.ToDateTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        static string Join(IEnumerable<string> values) => string.Join(';', values.Where(v => v.Length > 0));

        string[] fields =
        [
            s.ShipmentId, s.TrackingNumber, s.Mrn, s.PlatformOrderId, s.SellerId, s.OriginCountry, s.DestinationCountry,
            Join(s.CountriesOfRouting), s.Carrier, s.TransportMode, Time(s.DeclaredAt), Time(s.ShippedAt),
            Join(s.Goods.Select(g => g.HsCode)), Join(s.Goods.Select(g => g.Description)), Join(s.Goods.Select(g => g.Brand)),
            s.Goods.Count == 0 ? "" : s.Goods.Sum(g => g.IntrinsicValue?.AmountMinor ?? 0).ToString(CultureInfo.InvariantCulture),
            Join(s.Goods.Select(g => g.IntrinsicValue?.Currency ?? "").Distinct()),
            s.Risk is null ? "" : s.Risk.Score.ToString(CultureInfo.InvariantCulture), Join(s.Risk?.Reasons.Select(r => r.Code) ?? []),
            s.Consignor?.Name ?? "", s.Consignor?.Country ?? "", s.Consignee?.Name ?? "", Join(s.Consignee?.AddressLines ?? []),
            s.Consignee?.Postcode ?? "", s.Consignee?.City ?? "", s.Consignee?.Country ?? "", s.Consignee?.Email ?? "", s.Consignee?.Phone ?? "",
            Join(s.Listings.Select(l => l.Url)),
        ];
        csv.WriteRecord(fields);
    }

    /// <summary>What FILE.resume holds: the last batch's token, the file length after it, shipments so far.</summary>
    private sealed record ExportState(string Token, long Length, long Count, ExportFormat Format);
}
