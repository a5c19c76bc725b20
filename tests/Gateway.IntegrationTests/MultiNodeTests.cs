using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dapper;
using Gateway.Client;
using Gateway.Client.Receiver;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Gateway.Server.Pki;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests;

/// <summary>
/// Three real gateway processes on one PostgreSQL database and one PKI, jobs every two seconds. Node A serves
/// RPCs only (the platform ingests through it); B and C run the jobs. B starts alone, C joins once B has
/// scored, both run jobs side by side, then B is SIGKILLed and C carries on. Every lead the stored scores
/// call for must be created once and delivered to fr-customs' receiver, none lost, none doubled (after the
/// receiver's dedup), and the audit chain written by three writers must still verify.
/// </summary>
/// <remarks>
/// Why C joins late and A runs no jobs: which node runs a queued job is Hangfire's choice, and under load one
/// node can take every run (a CI run once saw A=21, B=0, C=0). Then "B was killed mid-run" and "the
/// survivors took over" were not actually exercised. With B the only job node at first and C the only one
/// after the kill, both must run jobs, so every run of this test exercises the takeover it claims to.
/// </remarks>
public sealed class MultiNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "gateway-mn-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<Node> nodes = [];
    private string connectionString = "";

    private string Pki => Path.Combine(root, "pki");

    public Task InitializeAsync() => Task.CompletedTask;

    [PostgresFact]
    public async Task Three_nodes_deliver_every_lead_exactly_once_when_one_is_killed_mid_run()
    {
        Directory.CreateDirectory(root);
        DevPki.Create(Pki);
        connectionString = await CreatePostgresDatabaseAsync();

        // Node A first: it migrates and bootstraps the demo agencies; B then joins the same database, C later.
        var a = StartNode("A", runsJobs: false);
        await a.WaitReadyAsync();
        var b = StartNode("B", runsJobs: true);
        await b.WaitReadyAsync();

        // The gateway's Dapper conventions (snake_case columns, UTC dates) for this process's own reads.
        new ServiceCollection().AddGatewayData(new ConfigurationBuilder().Build());
        using var database = new Database(Options.Create(new StorageOptions { Provider = "postgres", ConnectionString = connectionString }));
        using var statements = new StatementCache(database);
        var agencies = new AgencyStore(database, statements, TimeProvider.System);
        await using var receiver = await LeadReceiverHost.StartAsync(new LeadReceiverOptions
        {
            CertificatePath = Path.Combine(Pki, "fr-customs-receiver.crt"),
            KeyPath = Path.Combine(Pki, "fr-customs-receiver.key"),
            ClientCaPath = Path.Combine(Pki, "ca.crt"),
            OutputPath = Path.Combine(root, "received-fr-customs.ndjson"),
        });
        Assert.True(await agencies.SetReceiverAsync("fr-customs", receiver.Address.ToString()));

        // The platform ingests through node A, in waves, so scoring and delivery run on all nodes meanwhile.
        using var platform = GatewayConnection.FromPem(a.Address, Path.Combine(Pki, "platform.crt"), Path.Combine(Pki, "platform.key"),
            Path.Combine(Pki, "ca.crt"), "platform");
        using var channel = platform.CreateChannel();
        var ingest = new IngestService.IngestServiceClient(channel);
        var now = DateTime.UtcNow;
        await SendAsync(ingest.UpsertSellers(), [Seller("SEL-MN-R", now.AddDays(-10)), Seller("SEL-MN-H", now.AddYears(-3))]);
        await SendAsync(ingest.UpsertListings(),
        [
            Listing("LST-MN-R", "SEL-MN-R", "Luxury handbag GG monogram 1:1 mirror quality", "Gucci", "handbags"),
            Listing("LST-MN-H", "SEL-MN-H", "Nike running shoes, original, with receipt", "Nike", "shoes"),
        ]);

        const int waves = 6, perWave = 10;
        for (var wave = 0; wave < waves; wave++)
        {
            var parcels = Enumerable.Range(0, perWave).Select(i => wave * perWave + i).Select(n => n % 3 == 2
                ? Parcel($"MN-H-{n:D3}", "SEL-MN-H", "FR", "LST-MN-H", "running shoes", "Nike", 9000, now)
                : Parcel($"MN-R-{n:D3}", "SEL-MN-R", n % 5 == 0 ? "DE" : "FR", "LST-MN-R", "bag", "Gucci", 700, now));
            var summary = await SendAsync(ingest.UpsertShipments(), parcels);
            Assert.Equal((perWave, 0L), (summary.Inserted, summary.Rejected));
            if (wave == 1)
            {
                // B, the only job node so far, must have scored and raised leads; then C joins and both run jobs.
                await WaitUntilAsync(() => b.Logged("Scored "), () => ScalarAsync(database, "SELECT COUNT(*) FROM leads"), TimeSpan.FromSeconds(60));
                Assert.True(b.Logged("Scored "), "node B, the only job node, scored nothing within 60 s");
                await StartNode("C", runsJobs: true).WaitReadyAsync();
            }

            if (wave == 3)
            {
                // Mid-run, with both job nodes live: SIGKILL B (no graceful shutdown); C is the only job node from here.
                b.Process.Kill();
                output.WriteLine($"killed node B (pid {b.Process.Id}) after wave {wave}");
            }

            await Task.Delay(700);
        }

        // Every shipment scored, then every expected lead delivered (bounded wait).
        var total = waves * perWave;
        var scored = await WaitForAsync(() => ScalarAsync(database, "SELECT COUNT(*) FROM shipments WHERE shipment_id LIKE 'MN-%' AND risk_score IS NOT NULL"),
            n => n == total, TimeSpan.FromSeconds(60));
        Assert.Equal(total, scored);

        await using var connection = await database.OpenAsync();
        var fr = (await agencies.FindAsync("fr-customs"))!;
        var active = (await agencies.ListAsync()).Where(x => x.Kind == Agency.KindAgency && x.IsActive).ToList();
        var scores = (await connection.QueryAsync<(string ShipmentId, int Score)>(
            "SELECT shipment_id, risk_score FROM shipments WHERE shipment_id LIKE 'MN-%'")).ToDictionary(r => r.ShipmentId, r => r.Score);
        var countries = (await connection.QueryAsync<(string ShipmentId, string Country)>(
            "SELECT shipment_id, country FROM shipment_countries WHERE shipment_id LIKE 'MN-%'")).ToLookup(r => r.ShipmentId, r => r.Country);
        var expected = (from agency in active
                        from shipment in scores
                        where shipment.Value >= agency.LeadThreshold && countries[shipment.Key].Any(agency.Jurisdictions.Contains)
                        select $"{agency.Id}/{shipment.Key}").Order(StringComparer.Ordinal).ToList();
        var expectedFr = expected.Where(e => e.StartsWith("fr-customs/", StringComparison.Ordinal)).Select(e => e["fr-customs/".Length..]).ToHashSet();
        output.WriteLine("scores: " + string.Join(", ", scores.GroupBy(s => (s.Key[..4], s.Value)).Select(g => $"{g.Key.Item1}={g.Key.Value} x{g.Count()}")));
        Assert.NotEmpty(expectedFr);
        Assert.True(scores.Any(s => s.Value < fr.LeadThreshold), "some shipments must stay below fr-customs' threshold");

        var frLeadIds = await WaitForAsync(async () => (await connection.QueryAsync<string>(
                "SELECT l.lead_id FROM leads l JOIN lead_shipments ls ON ls.lead_id = l.lead_id WHERE l.agency_id = 'fr-customs' AND ls.shipment_id LIKE 'MN-%'")).ToHashSet(),
            ids => ids.Count >= expectedFr.Count && ids.IsSubsetOf(ReceivedLeads.Read(receiver.File.Path)), TimeSpan.FromSeconds(60));

        // Leads in the database: the expected (agency, shipment) pairs, each exactly once.
        var actual = (await connection.QueryAsync<(string AgencyId, string ShipmentId)>("""
            SELECT l.agency_id, ls.shipment_id FROM leads l JOIN lead_shipments ls ON ls.lead_id = l.lead_id
            WHERE l.source = 'RISK_ENGINE' AND ls.shipment_id LIKE 'MN-%'
            """)).Select(r => $"{r.AgencyId}/{r.ShipmentId}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);

        // The receiver: every fr-customs lead, none missing, each once after dedup (a redelivery after the kill may repeat a line).
        var received = ReceivedLeads.Read(receiver.File.Path);
        output.WriteLine($"{expected.Count} leads expected ({expectedFr.Count} fr-customs); receiver got {received.Count} lines, {received.Distinct().Count()} distinct");
        Assert.Equal(frLeadIds.Order(StringComparer.Ordinal), received.Where(frLeadIds.Contains).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(expectedFr.Count, frLeadIds.Count);

        // Jobs ran on both job nodes (B before its kill, C after it: the waves after the kill were scored by C
        // alone) and never on the RPC-only node; the audit chain written by three processes verifies.
        var scoringRuns = nodes.ToDictionary(n => n.Name, n => n.Count("Scored "));
        output.WriteLine("score-shipments runs per node: " + string.Join(", ", scoringRuns.Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal(0, scoringRuns["A"]);
        Assert.True(scoringRuns["B"] > 0 && scoringRuns["C"] > 0, "both job nodes must have scored");
        // One shared Hangfire store, not private ones: both job nodes' servers registered in it (the killed one's
        // record stays until Hangfire's server timeout), and the runs recorded there.
        Assert.Equal(2, await ScalarAsync(database, "SELECT COUNT(*) FROM hangfire.server"));
        Assert.True(await ScalarAsync(database, "SELECT COUNT(*) FROM hangfire.job WHERE statename = 'Succeeded'") > 0);
        var verification = await AuditVerifier.VerifyAsync(database, AuditKeys.PublicKeys(Path.Combine(Pki, "token-signing.crt")), CancellationToken.None);
        Assert.True(verification.Ok, $"audit chain broken at {verification.FirstBadSequence}");
    }

    [PostgresFact]
    public async Task A_hangfire_lock_left_by_a_killed_node_neither_stops_a_restart_nor_blocks_scheduling()
    {
        Directory.CreateDirectory(root);
        DevPki.Create(Pki);
        connectionString = await CreatePostgresDatabaseAsync();
        var a = StartNode("A", runsJobs: true);
        await a.WaitReadyAsync();
        a.Process.Kill(); // SIGKILL

        // What a node killed while scheduling deliver-leads leaves behind: its lock row. Dated an hour ahead
        // first, so it stays held for the whole first phase whatever the stale-lock timeout.
        const string resource = "hangfire:lock:recurring-job:deliver-leads";
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(
            "INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES (@resource, 0, @acquired) ON CONFLICT (resource) DO UPDATE SET acquired = @acquired",
            new { resource, acquired = DateTime.UtcNow.AddHours(1) });

        // Phase 1: registration times out on the held lock; the node starts and serves anyway.
        var b = StartNode("B", runsJobs: true);
        await b.WaitReadyAsync();
        var wait = Stopwatch.StartNew();
        while (!b.Logged("could not be registered yet") && !b.Process.HasExited && wait.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(200);
        }

        Assert.True(b.Logged("could not be registered yet"), "registration met the held lock");
        Assert.False(b.Process.HasExited, "the node must keep running while another node's lock is held");
        using (var health = new HttpClient())
        {
            Assert.True((await health.GetAsync(new Uri($"http://127.0.0.1:{b.AdminPort}/healthz"))).IsSuccessStatusCode, "the node serves");
        }

        // Phase 2: once the lock is stale, the background retry registers the job.
        await connection.ExecuteAsync("UPDATE hangfire.lock SET acquired = @acquired WHERE resource = @resource",
            new { resource, acquired = DateTime.UtcNow.AddHours(-1) });
        wait.Restart();
        while (!b.Logged("Recurring job deliver-leads scheduled") && wait.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(200);
        }

        Assert.True(b.Logged("Recurring job deliver-leads scheduled"), "registered by the background retry once the lock was stale");
        output.WriteLine($"deliver-leads registered {wait.Elapsed.TotalSeconds:F1} s after the lock went stale");
    }

    private Node StartNode(string name, bool runsJobs)
    {
        int port = FreePort(), adminPort = FreePort();
        var work = Path.Combine(root, "node-" + name);
        Directory.CreateDirectory(work);
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])
        [
            ServerAssembly(), "serve",
            .. DevPkiArguments.For(Pki, port, adminPort, "postgres", connectionString),
            $"--Gateway:Hangfire:ServerEnabled={runsJobs}", "--Gateway:Hangfire:PollingInterval=00:00:01", "--Gateway:Hangfire:DashboardEnabled=false",
            // Hangfire's cron takes an optional seconds field: every two seconds instead of every minute.
            "--Gateway:Jobs:score-shipments:Cron=*/2 * * * * *", "--Gateway:Jobs:deliver-leads:Cron=*/2 * * * * *",
            "--Gateway:Jobs:retention:Enabled=false",
            // A node killed while holding a Hangfire lock: the others take it over after 5 s, not 1 minute.
            "--Gateway:Hangfire:StaleLockTimeout=00:00:05",
            "--Gateway:Risk:BatchSize=5",
            $"--Gateway:Push:Certificate={Pki}/gateway-push.crt", $"--Gateway:Push:Key={Pki}/gateway-push.key",
            $"--Gateway:Push:ReceiverCaBundle={Pki}/ca.crt", "--Gateway:Push:Timeout=00:00:05",
            "--Gateway:Leads:Delivery:InitialBackoff=00:00:01", "--Gateway:Leads:Delivery:MaxBackoff=00:00:02",
            "--Gateway:Leads:Delivery:RetryWindow=00:10:00",
            // Deliveries claimed by the node that gets killed are claimable again after this (default 5 min).
            "--Gateway:Leads:Delivery:ClaimTimeout=00:00:10",
        ])
        {
            info.ArgumentList.Add(argument);
        }

        var node = new Node(name, Process.Start(info)!, new Uri($"https://localhost:{port}/")) { AdminPort = adminPort };
        nodes.Add(node);
        return node;
    }

    private static string ServerAssembly()
    {
        // The server's own build output (its runtimeconfig and deps sit next to it); this project references it, so it is built.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var path = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Gateway.Server/bin", configuration, "net10.0/gateway.dll"));
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Gateway.Server first.", path);
    }

    private static async Task<string> CreatePostgresDatabaseAsync()
    {
        var name = "gw_test_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(TestDatabase.PostgresAdmin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(TestDatabase.PostgresAdmin) { Database = name }.ConnectionString;
    }

    private static async Task<long> ScalarAsync(Database database, string sql)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private static async Task WaitUntilAsync(Func<bool> first, Func<Task<long>> positive, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && !(first() && await positive() > 0))
        {
            await Task.Delay(200);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            value = await read();
        }

        return value;
    }

    private static async Task<IngestSummary> SendAsync<T>(AsyncClientStreamingCall<T, IngestSummary> call, IEnumerable<T> records)
    {
        using (call)
        {
            foreach (var record in records)
            {
                await call.RequestStream.WriteAsync(record);
            }

            await call.RequestStream.CompleteAsync();
            return await call;
        }
    }

    private static Seller Seller(string id, DateTime created) => new()
    {
        SellerId = id, LegalName = id + " Ltd", TradingName = id, Country = "CN", Status = SellerStatus.Active, VerificationStatus = "VERIFIED",
        AccountCreatedAt = Timestamp.FromDateTime(created), City = "Shenzhen",
    };

    private static Listing Listing(string id, string seller, string title, string brand, string category) => new()
    {
        ListingId = id, SellerId = seller, Title = title, Url = "https://marketplace.example/l/" + id, Brand = brand, Category = category,
        Price = new Money { AmountMinor = 4900, Currency = "EUR" }, CreatedAt = Timestamp.FromDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
    };

    private static Shipment Parcel(string id, string seller, string destination, string listingId, string description, string brand, long valueMinor, DateTime declared) => new()
    {
        ShipmentId = id, TrackingNumber = "TN" + id, PlatformOrderId = "ORD-" + id, SellerId = seller,
        Consignor = new Party { Name = seller, Country = "CN", City = "Shenzhen" },
        Consignee = new Party { Name = "Consignee " + id, Postcode = "75005", City = "City", Country = destination },
        OriginCountry = "CN", DestinationCountry = destination, Carrier = "China Post", TransportMode = "AIR",
        DeclaredAt = Timestamp.FromDateTime(declared), ShippedAt = Timestamp.FromDateTime(declared.AddHours(-30)),
        Goods =
        {
            new GoodsItem
            {
                Description = description, HsCode = "420221", Quantity = 1, GrossMassGrams = 500,
                IntrinsicValue = new Money { AmountMinor = valueMinor, Currency = "EUR" }, CountryOfOrigin = "CN", Brand = brand, ListingId = listingId,
            },
        },
    };

    // Ports already handed to a node of this test: B and C start at once, and the kernel may offer a port
    // released a moment ago to the next probe ("address already in use" for one of them).
    private readonly HashSet<int> handedOut = [];

    private int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (handedOut.Add(port))
            {
                return port;
            }
        }
    }

    public async Task DisposeAsync()
    {
        // Whatever happened, no gateway outlives the test.
        foreach (var node in nodes)
        {
            node.Dispose();
        }

        if (connectionString.Length > 0)
        {
            NpgsqlConnection.ClearAllPools();
            await TestDatabase.DropAsync("postgres", connectionString);
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Node : IDisposable
    {
        private readonly List<string> log = [];

        public Node(string name, Process process, Uri address)
        {
            Name = name;
            Process = process;
            Address = address;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Name { get; }

        public Process Process { get; }

        public Uri Address { get; }

        public int AdminPort { get; init; }

        public bool Logged(string fragment)
        {
            lock (log)
            {
                return log.Exists(l => l.Contains(fragment, StringComparison.Ordinal));
            }
        }

        public int Count(string fragment)
        {
            lock (log)
            {
                return log.Count(l => l.Contains(fragment, StringComparison.Ordinal));
            }
        }

        public async Task WaitReadyAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while (!Logged("Now listening on") && !Logged("Application started"))
            {
                if (Process.HasExited || DateTime.UtcNow > deadline)
                {
                    string text;
                    lock (log)
                    {
                        text = string.Join(Environment.NewLine, log.TakeLast(40));
                    }

                    throw new InvalidOperationException($"node {Name} did not start:{Environment.NewLine}{text}");
                }

                await Task.Delay(100);
            }
        }

        private void Add(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.Add(line);
                }
            }
        }

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited)
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            Process.Dispose();
        }
    }
}
