using Gateway.Client.Commands;
using Gateway.Contracts.V1;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>gateway-client's export file: interrupted mid-stream (and mid-write), resumed into the same file with no gaps or duplicates.</summary>
public sealed class ClientExportTests(GatewayServer gateway) : IClassFixture<GatewayServer>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("gateway-export-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task An_interrupted_csv_export_resumes_into_the_same_file_without_gaps_or_duplicates()
    {
        const string seller = "SEL-CLIENT-EXPORT";
        var ids = Enumerable.Range(0, 32).Select(i => $"CE-{i:D3}").ToList();
        await ShipmentData.WriteAsync(gateway, ids.Select(id => ShipmentData.Parcel(id, seller, "FR", consignee: "=HYPERLINK(\"http://evil\")")));

        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        ExportShipmentsRequest Request() => new()
        {
            Context = Calls.Context(), Filter = new ShipmentFilter { SellerId = seller }, BatchSize = 5, Subsets = { DataSubset.ShipmentCore, DataSubset.ShipmentParties },
        };
        var path = Path.Combine(directory, "case.csv");

        // Interrupted after the third batch is on disk…
        using (var stop = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => ShipmentExportFile.RunAsync(client, Request(), path, ExportFormat.Csv, resume: false,
                count => { if (count == 15) { stop.Cancel(); } }, stop.Token));
        }

        Assert.True(File.Exists(ShipmentExportFile.StatePath(path)));
        // …and, as if the process died while writing the fourth batch, a half-written line follows.
        await File.AppendAllTextAsync(path, "CE-015,TN-CE-01");

        // Starting over by accident is refused: the interrupted file is not overwritten.
        await Assert.ThrowsAsync<ArgumentException>(() => ShipmentExportFile.RunAsync(client, Request(), path, ExportFormat.Csv, false, null, default));

        var total = await ShipmentExportFile.RunAsync(client, Request(), path, ExportFormat.Csv, resume: true, null, default);

        Assert.Equal(32, total);
        Assert.False(File.Exists(ShipmentExportFile.StatePath(path)));
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(string.Join(',', ShipmentExportFile.CsvColumns), lines[0]);
        Assert.Equal(ids, lines.Skip(1).Select(l => l.Split(',')[0]));
        // Consignee names are marketplace input: a formula is escaped so a spreadsheet shows it as text.
        Assert.Contains("'=HYPERLINK", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ndjson_export_writes_one_shipment_per_line_and_resuming_a_finished_export_is_refused()
    {
        const string seller = "SEL-CLIENT-NDJSON";
        await ShipmentData.WriteAsync(gateway, Enumerable.Range(0, 7).Select(i => ShipmentData.Parcel($"CN-{i}", seller, "FR")));
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var client = new ShipmentService.ShipmentServiceClient(channel);
        var path = Path.Combine(directory, "case.ndjson");
        var request = new ExportShipmentsRequest { Context = Calls.Context(), Filter = new ShipmentFilter { SellerId = seller }, BatchSize = 3 };

        Assert.Equal(7, await ShipmentExportFile.RunAsync(client, request, path, ExportFormat.Ndjson, false, null, default));
        var shipments = (await File.ReadAllLinesAsync(path)).Select(Shipment.Parser.ParseJson).ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"CN-{i}"), shipments.Select(s => s.ShipmentId));
        Assert.All(shipments, s => Assert.Null(s.Consignee));

        await Assert.ThrowsAsync<ArgumentException>(() => ShipmentExportFile.RunAsync(client, request, path, ExportFormat.Ndjson, true, null, default));

        // A refusal by the gateway surfaces as its status.
        var denied = new ExportShipmentsRequest { Context = Calls.Context(), Subsets = { DataSubset.SellerFinancial } };
        var e = await Assert.ThrowsAsync<RpcException>(() => ShipmentExportFile.RunAsync(client, denied, Path.Combine(directory, "denied.csv"), ExportFormat.Csv, false, null, default));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }
}
