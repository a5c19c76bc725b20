using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Admin;
using Gateway.Server.Data;
using Gateway.Server.Pki;
using Gateway.Server.Seed;
using Google.Protobuf;
using Grpc.Core;
using static Gateway.Benchmarks.BenchmarkHost;

namespace Gateway.Benchmarks;

/// <summary>
/// ExportShipments throughput: `export [--shipments N] [--sellers N] [--agency fr-customs,de-customs]
/// [--rounds R] [--warmup-calls C] [--warmup-rounds W] [--subsets all|core] [--work DIR]`. The R measured rounds follow
/// C short exports (one seller's shipments, each on a new connection with a new token), W full warm-up rounds (numbered
/// up to 0), and a wait until neither the gateway nor the client is still compiling. Seeds N shipments into a fresh SQLite file through
/// the seeder (`gateway seed`'s code path), starts the real gateway as a child process (mTLS, token,
/// auditing on) and exports everything in each agency's jurisdiction over loopback, reporting
/// records/s, the server's CPU per record (the steadier figure on a shared machine) and its peak RSS.
/// The client only counts the records in each batch (a shallow protobuf walk), so its own CPU use
/// stays small next to the server's. With --work DIR the seeded database and PKI are kept and reused.
/// </summary>
internal static class ExportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var shipments = Option(args, "--shipments", 300_000);
        var sellerCount = Option(args, "--sellers", 6000);
        var rounds = Option(args, "--rounds", 2);
        var warmupRounds = Option(args, "--warmup-rounds", 2);
        var warmupCalls = Option(args, "--warmup-calls", 100);
        var agencies = (Text(args, "--agency") ?? "fr-customs,de-customs").Split(',');
        var allSubsets = (Text(args, "--subsets") ?? "all") == "all";
        var keep = Text(args, "--work");
        var work = keep ?? Directory.CreateTempSubdirectory("gateway-export-").FullName;
        var pki = Path.Combine(work, "pki");
        var database = Path.Combine(work, "gateway.db");
        try
        {
            if (!File.Exists(database))
            {
                Directory.CreateDirectory(work);
                DevPki.Create(pki);
                await SeedAsync(pki, database, shipments, sellerCount);
            }

            if (args.Contains("--direct"))
            {
                await DirectAsync(pki, database, agencies, rounds, allSubsets);
                return 0;
            }

            int port = FreePort(), adminPort = FreePort();
            using var server = StartSelf("gateway-server", [
                .. DevPkiArguments.For(pki, port, adminPort, "sqlite", $"Data Source={database}"),
                "--Gateway:Limits:Burst=100000000", "--Gateway:Limits:CallsPerPeriod=100000000", "--Gateway:Limits:MaxConcurrentCalls=100000"]);
            try
            {
                var address = new Uri($"https://localhost:{port}/");
                // Warm-up before the measured rounds: a gateway that has served for a while has compiled its hot paths to
                // optimised code; a fresh one recompiles them for its first hundred calls or so. Without a warm-up its
                // compiler thread took 150–400 ms of most measured fr-customs rounds (2–5 µs a record, on the same two
                // cores). Each round opens a connection and takes a token, as an analyst's export does, so the warm-up
                // does too: short exports (one seller's shipments), then full rounds, then a wait for the compilers.
                // The token endpoint's handlers are still promoted now and then; each round prints its compiler time.
                for (var call = 0; call < warmupCalls; call++)
                {
                    await ExportOneSellerAsync(address, pki, agencies[call % agencies.Length], allSubsets);
                }

                foreach (var round in Enumerable.Range(1 - warmupRounds, warmupRounds + rounds))
                {
                    if (round == 1 && warmupCalls + warmupRounds > 0)
                    {
                        await JitSettledAsync(server);
                    }

                    foreach (var agency in agencies)
                    {
                        using var connection = await ConnectAsync(address, pki, agency);
                        using var channel = connection.CreateChannel();
                        var request = Request(agency, allSubsets);

                        var (cpuBefore, compilerBefore) = (CpuTicks(server), CompilerThreads(server));
                        var clock = Stopwatch.StartNew();
                        var (records, batches, bytes) = await CountAsync(channel.CreateCallInvoker(), request);
                        var seconds = clock.Elapsed.TotalSeconds;
                        var cpuSeconds = (CpuTicks(server) - cpuBefore) / 100.0; // CLK_TCK = 100
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{(round < 1 ? "warm-up " : "")}round {round} {agency} ({(allSubsets ? "all its subsets" : "core")}): {records:N0} records in {batches} batches ({bytes / 1e6:F0} MB) in {seconds:F2} s = {records / seconds:N0} records/s; server CPU {cpuSeconds:F2} s = {cpuSeconds * 1e6 / Math.Max(1, records):F2} µs/record, of which its compiler thread {CompilerTicksSince(server, compilerBefore) * 10} ms; load average {LoadAverage()}"));
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gateway peak RSS {PeakRssMb(server):F0} MB"));
                return 0;
            }
            finally
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true);
                    await server.WaitForExitAsync();
                }
            }
        }
        finally
        {
            if (keep is null)
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static ExportShipmentsRequest Request(string agency, bool allSubsets)
    {
        var request = new ExportShipmentsRequest
        {
            Context = new RequestContext { LegalBasis = "EU 608/2013 art. 17", CaseReference = "PERF-EXPORT", OfficerId = "bench" },
        };
        if (allSubsets)
        {
            // Everything the agency is entitled to (fr-customs: core, parties, seller identity, listings).
            request.Subsets.AddRange(agency == "fr-customs"
                ? [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings]
                : [DataSubset.ShipmentCore]);
        }

        return request;
    }

    /// <summary>A warm-up call: a connection, a token and one seller's shipments (tens of records), like a round but short.</summary>
    private static async Task ExportOneSellerAsync(Uri address, string pki, string agency, bool allSubsets)
    {
        using var connection = await ConnectAsync(address, pki, agency);
        using var channel = connection.CreateChannel();
        var request = Request(agency, allSubsets);
        request.Filter = new ShipmentFilter { SellerId = "SEL-000001" };
        await CountAsync(channel.CreateCallInvoker(), request);
    }

    /// <summary>A new connection as the agency, its token already taken (each round's, and each warm-up call's).</summary>
    private static async Task<GatewayConnection> ConnectAsync(Uri address, string pki, string agency)
    {
        var connection = GatewayConnection.FromPem(address, Path.Combine(pki, agency + ".crt"),
            Path.Combine(pki, agency + ".key"), Path.Combine(pki, "ca.crt"), agency);
        await WaitForTokenAsync(connection);
        return connection;
    }

    private static async Task SeedAsync(string pki, string database, int shipments, int sellers)
    {
        var clock = Stopwatch.StartNew();
        await using (var app = GatewayApp.Build(DevPkiArguments.For(pki, FreePort(), FreePort(), "sqlite", $"Data Source={database}"),
            b => b.Logging.SetMinimumLevel(LogLevel.Warning)))
        {
            await app.PrepareDatabaseAsync();
            await new Seeder(app.Services.GetRequiredService<Database>(), TimeProvider.System)
                .RunAsync(new SyntheticMarketplace(seed: 1, sellers), shipments);
            // Scored up front, as in production: every record carries its risk assessment, and the
            // server's scoring job has nothing left to do during the measurement.
            await app.Services.GetRequiredService<Gateway.Server.Risk.ScoreShipmentsJob>().RunAsync(CancellationToken.None);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {shipments:N0} shipments, {sellers:N0} sellers in {clock.Elapsed.TotalSeconds:F1} s"));
    }

    /// <summary>
    /// `--direct`: the server's batch reader and encoder in this process, without gRPC, TLS or a
    /// client — what the database read and the wire encoding cost on their own.
    /// </summary>
    private static async Task DirectAsync(string pki, string database, string[] agencies, int rounds, bool allSubsets)
    {
        await using var app = GatewayApp.Build(DevPkiArguments.For(pki, FreePort(), FreePort(), "sqlite", $"Data Source={database}"),
            b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        var reader = app.Services.GetRequiredService<Gateway.Server.Shipments.ShipmentExportReader>();
        var store = app.Services.GetRequiredService<Gateway.Server.Agencies.AgencyStore>();
        foreach (var round in Enumerable.Range(1, rounds))
        {
            foreach (var agencyId in agencies)
            {
                var agency = (await store.ListAsync()).Single(a => a.Id == agencyId);
                HashSet<DataSubset> subsets = allSubsets && agencyId == "fr-customs"
                    ? [DataSubset.ShipmentCore, DataSubset.ShipmentParties, DataSubset.Listings]
                    : [DataSubset.ShipmentCore];
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes();
                var collections = GC.CollectionCount(0);
                var clock = Stopwatch.StartNew();
                string? after = null;
                long records = 0, bytes = 0;
                while (true)
                {
                    // Read and encoded in one pass: the batch comes back as ShipmentBatch wire bytes.
                    using var batch = await reader.ReadAsync(Gateway.Server.Shipments.ShipmentCriteria.None, agency.Jurisdictions, after, 1000, subsets,
                        static last => last, CancellationToken.None);
                    if (batch is null)
                    {
                        break;
                    }

                    bytes += batch.Bytes.Length;
                    records += batch.Count;
                    after = batch.Ids[^1];
                }

                var seconds = clock.Elapsed.TotalSeconds;
                var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"direct round {round} {agencyId}: {records:N0} records ({bytes / 1e6:F0} MB) in {seconds:F2} s = {records / seconds:N0} records/s; CPU {cpuSeconds * 1e6 / records:F2} µs/record (read + encode); allocated {(GC.GetTotalAllocatedBytes() - allocated) / (double)records:F0} B/record, {GC.CollectionCount(0) - collections} gen0 GCs"));
            }
        }
    }

    /// <summary>The batch as the client sees it, without building the shipments: records, resume token, bytes.</summary>
    private sealed record BatchCount(int Records, string ResumeToken, int Bytes);

    private static readonly Method<ExportShipmentsRequest, BatchCount> Export = new(
        MethodType.ServerStreaming, ShipmentService.Descriptor.FullName, "ExportShipments",
        Marshallers.Create(r => r.ToByteArray(), ExportShipmentsRequest.Parser.ParseFrom),
        Marshallers.Create<BatchCount>(_ => throw new NotSupportedException(), Shallow));

    private static BatchCount Shallow(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        int records = 0;
        var token = "";
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ShipmentBatch.ShipmentsFieldNumber:
                    records++;
                    input.SkipLastField();
                    break;
                case ShipmentBatch.ResumeTokenFieldNumber:
                    token = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new BatchCount(records, token, bytes.Length);
    }

    private static async Task<(long Records, int Batches, long Bytes)> CountAsync(CallInvoker invoker, ExportShipmentsRequest request)
    {
        using var call = invoker.AsyncServerStreamingCall(Export, null, new CallOptions(), request);
        long records = 0, bytes = 0;
        var batches = 0;
        await foreach (var batch in call.ResponseStream.ReadAllAsync())
        {
            records += batch.Records;
            bytes += batch.Bytes;
            batches++;
            if (batch.ResumeToken.Length == 0)
            {
                throw new InvalidOperationException("A batch without a resume token.");
            }
        }

        return (records, batches, bytes);
    }

    private static async Task WaitForTokenAsync(GatewayConnection connection)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await connection.GetAccessTokenAsync();
                return;
            }
            catch (Exception) when (attempt < 600)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
