using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dapper;
using Gateway.Client;
using Gateway.Client.Receiver;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Pki;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests;

/// <summary>
/// The real gateway in a child process, killed with SIGKILL in the middle of mixed load (ingest
/// streams, seizure reports, reads, investigators' leads pushed by Hangfire's deliver-leads job to
/// a real receiver over mutual TLS), then restarted on the same database: every write the gateway
/// acknowledged is there exactly once, retried requests are recognised, lead delivery resumes from
/// the outbox (with SQLite Hangfire's storage is in memory: the restart re-registers the job) until
/// every acknowledged lead has reached the receiver once, and the audit chain verifies.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "gateway-kill-" + Guid.NewGuid().ToString("N")[..12]);
    private string provider = "";
    private string connectionString = "";

    private string Pki => Path.Combine(root, "pki");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(root);
        (provider, connectionString) = await TestDatabase.CreateAsync(root);
        DevPki.Create(Pki);
    }

    public async Task DisposeAsync()
    {
        await TestDatabase.DropAsync(provider, connectionString);
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task After_kill_9_under_mixed_load_every_acknowledged_write_is_present_exactly_once_deliveries_resume_and_the_audit_chain_verifies()
    {
        var sellers = new ConcurrentBag<string>();
        var seizures = new ConcurrentDictionary<ReportSeizureRequest, string>(); // acknowledged request → seizure id
        var leads = new ConcurrentDictionary<CreateLeadRequest, string>();        // acknowledged request → lead id
        var reads = 0;

        // fr-customs' receiver, in this process so it outlives the gateway: every call is answered after
        // 400 ms and the leads are stored even if the caller is gone by then (a push cut by the kill still
        // lands, its answer is lost: the restarted gateway must redeliver and the receiver deduplicate).
        var lastCallStarted = Stopwatch.StartNew();
        await using var receiver = await LeadReceiverHost.StartAsync(new LeadReceiverOptions
        {
            CertificatePath = Path.Combine(Pki, "fr-customs-receiver.crt"),
            KeyPath = Path.Combine(Pki, "fr-customs-receiver.key"),
            ClientCaPath = Path.Combine(Pki, "ca.crt"),
            OutputPath = Path.Combine(root, "fr-leads.ndjson"),
            Faults = _ =>
            {
                lastCallStarted.Restart();
                return ReceiverFault.AnswerSlowly;
            },
            FaultDelay = TimeSpan.FromMilliseconds(400),
        });

        int storedAtKill;
        bool pushInFlight;
        using (var server = await StartAsync())
        {
            await SetReceiverAsync("fr-customs", receiver.Address);
            using var stop = new CancellationTokenSource();
            var load = new List<Task>();
            for (var worker = 0; worker < 3; worker++)
            {
                load.Add(Task.Run(() => LeadLoopAsync(server.Address, leads, stop.Token)));
                load.Add(Task.Run(() => IngestLoopAsync(server.Address, sellers, stop.Token)));
                load.Add(Task.Run(() => SeizureLoopAsync(server.Address, seizures, stop.Token)));
                load.Add(Task.Run(async () =>
                {
                    using var fr = Connect(server.Address, "fr-customs");
                    using var channel = fr.CreateChannel();
                    var client = new ShipmentService.ShipmentServiceClient(channel);
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"), cancellationToken: stop.Token);
                            Interlocked.Increment(ref reads);
                        }
                        catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException)
                        {
                            await Task.Delay(10);
                        }
                    }
                }));
            }

            // Let the load run until enough has been acknowledged and pushed, then pull the plug in the
            // middle of a push (a receiver call started less than 100 ms ago and takes 400 ms).
            var watch = Stopwatch.StartNew();
            while ((sellers.Count < 200 || seizures.Count < 30 || leads.Count < 30 || receiver.File.Calls < 3 || lastCallStarted.ElapsedMilliseconds > 100)
                   && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(10);
            }

            server.Process.Kill(); // SIGKILL: no shutdown hooks, no flush
            await server.Process.WaitForExitAsync();
            pushInFlight = lastCallStarted.ElapsedMilliseconds < 400;
            await Task.Delay(500); // the cut push lands at the receiver
            await stop.CancelAsync();
            await Task.WhenAll(load);
            storedAtKill = await receiver.File.CountAsync();
            output.WriteLine($"push in flight at the kill: {pushInFlight}; receiver calls {receiver.File.Calls}, leads stored {storedAtKill}");
        }

        output.WriteLine($"acknowledged before the kill: {sellers.Count} sellers, {seizures.Count} seizures, {leads.Count} leads, {reads} reads");
        Assert.True(sellers.Count >= 200 && seizures.Count >= 30 && leads.Count >= 30, "enough load was acknowledged before the kill");
        Assert.True(pushInFlight, "the gateway was killed in the middle of a push");
        long undeliveredAtKill;
        using (var database = new Database(Options.Create(new StorageOptions { Provider = provider, ConnectionString = connectionString })))
        await using (var connection = await database.OpenAsync())
        {
            // At least the push cut by the kill: its leads may be at the receiver, but the gateway never heard so.
            undeliveredAtKill = await UndeliveredAsync(connection, [.. leads.Values]);
        }

        output.WriteLine($"acknowledged leads not DELIVERED in the gateway's database at the kill: {undeliveredAtKill}");
        Assert.True(undeliveredAtKill > 0, "the outbox had work left when the gateway died");

        using (var server = await StartAsync())
        {
            using var database = new Database(Options.Create(new StorageOptions { Provider = provider, ConnectionString = connectionString }));
            await using var connection = await database.OpenAsync();
            var sellerIds = sellers.ToList();
            var counts = (await connection.QueryAsync<(string, long)>(
                "SELECT seller_id, COUNT(*) FROM sellers WHERE seller_id LIKE 'SEL-KILL-%' GROUP BY seller_id")).ToDictionary(r => r.Item1, r => r.Item2);
            Assert.DoesNotContain(sellerIds, id => !counts.ContainsKey(id));
            Assert.DoesNotContain(counts.Values, c => c != 1);

            var seizureCounts = (await connection.QueryAsync<(string, long)>(
                "SELECT seizure_id, COUNT(*) FROM seizures GROUP BY seizure_id")).ToDictionary(r => r.Item1, r => r.Item2);
            Assert.All(seizures.Values, id => Assert.Equal(1, seizureCounts.GetValueOrDefault(id)));

            // Retrying an acknowledged report after the restart is recognised, not written twice.
            using var fr = Connect(server.Address, "fr-customs");
            using var channel = fr.CreateChannel();
            var client = new SeizureService.SeizureServiceClient(channel);
            foreach (var (request, seizureId) in seizures.Take(5))
            {
                var again = await client.ReportSeizureAsync(request);
                Assert.True(again.Duplicate);
                Assert.Equal(seizureId, again.SeizureId);
            }

            using var oversight = Connect(server.Address, "oversight");
            using var auditChannel = oversight.CreateChannel();
            var verified = await new AuditService.AuditServiceClient(auditChannel).VerifyAuditAsync(new VerifyAuditRequest { Context = Calls.Context() });
            output.WriteLine($"audit: {verified.RecordsChecked} records checked, ok {verified.Ok}");
            Assert.True(verified.Ok, $"audit chain broken at {verified.FirstBadSequence}");
            Assert.True(verified.RecordsChecked > sellers.Count / 50 + seizures.Count + leads.Count, "the acknowledged calls were audited");

            // Deliveries resume: the re-registered deliver-leads job enrols what was never pushed and, once
            // the dead process's claims expire, retries what was cut; every acknowledged lead arrives.
            var expected = leads.Values.ToHashSet(StringComparer.Ordinal);
            var wait = Stopwatch.StartNew();
            while (wait.Elapsed < TimeSpan.FromSeconds(25)
                   && (!expected.IsSubsetOf(ReceivedLeads.Read(receiver.File.Path)) || await UndeliveredAsync(connection, expected) > 0))
            {
                await Task.Delay(200);
            }

            var stored = ReceivedLeads.Read(receiver.File.Path);
            output.WriteLine($"after the restart: receiver stored {stored.Count} leads ({receiver.File.Received} received, redeliveries deduplicated) in {wait.Elapsed.TotalSeconds:F1} s");
            Assert.Empty(expected.Except(stored));                              // none lost
            Assert.Equal(stored.Count, stored.Distinct().Count());              // none stored twice
            Assert.Equal(0, await UndeliveredAsync(connection, expected));     // and the gateway knows it
            var leadCounts = (await connection.QueryAsync<(string, long)>(
                "SELECT dedup_key, COUNT(*) FROM leads WHERE agency_id = 'fr-customs' GROUP BY dedup_key")).ToDictionary(r => r.Item1, r => r.Item2);
            Assert.All(leads.Keys, r => Assert.Equal(1, leadCounts.GetValueOrDefault($"request:platform:{r.RequestId}")));

            // A retried CreateLead after the restart is the same lead, and is not pushed again.
            using var platform = Connect(server.Address, "platform");
            using var platformChannel = platform.CreateChannel();
            var leadClient = new LeadService.LeadServiceClient(platformChannel);
            var calls = receiver.File.Received;
            foreach (var (request, leadId) in leads.Take(5))
            {
                Assert.Equal(leadId, (await leadClient.CreateLeadAsync(request)).LeadId);
            }

            await Task.Delay(2500); // two job runs
            Assert.Equal(calls, receiver.File.Received);
        }
    }

    private static async Task<long> UndeliveredAsync(System.Data.Common.DbConnection connection, IReadOnlyCollection<string> leadIds)
    {
        var delivered = await connection.QueryAsync<string>("SELECT lead_id FROM leads WHERE agency_id = 'fr-customs' AND status = 'DELIVERED'");
        return leadIds.Except(delivered).LongCount();
    }

    private async Task SetReceiverAsync(string agencyId, Uri endpoint)
    {
        using var database = new Database(Options.Create(new StorageOptions { Provider = provider, ConnectionString = connectionString }));
        await using var connection = await database.OpenAsync();
        Assert.Equal(1, await connection.ExecuteAsync(
            "UPDATE agencies SET receiver_endpoint = @endpoint WHERE id = @agencyId", new { endpoint = endpoint.ToString(), agencyId }));
    }

    private async Task LeadLoopAsync(Uri address, ConcurrentDictionary<CreateLeadRequest, string> acknowledged, CancellationToken stop)
    {
        using var platform = Connect(address, "platform");
        using var channel = platform.CreateChannel();
        var client = new LeadService.LeadServiceClient(channel);
        while (!stop.IsCancellationRequested)
        {
            var request = new CreateLeadRequest
            {
                Context = Calls.Context("INV-KILL-9"),
                RequestId = Guid.NewGuid().ToString(),
                AgencyId = "fr-customs",
                ShipmentIds = { "SHP-DEMO-0001" },
                Narrative = "Killed mid-delivery: must still arrive, once.",
                InvestigatorId = "investigator-9",
            };
            try
            {
                var lead = await client.CreateLeadAsync(request, cancellationToken: stop);
                acknowledged[request] = lead.LeadId;
                await Task.Delay(20, stop);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException)
            {
                await Task.Delay(10, CancellationToken.None);
            }
        }
    }

    private async Task IngestLoopAsync(Uri address, ConcurrentBag<string> acknowledged, CancellationToken stop)
    {
        using var platform = Connect(address, "platform");
        using var channel = platform.CreateChannel();
        var ingest = new IngestService.IngestServiceClient(channel);
        var template = Gateway.Server.Demo.DemoData.Sellers().First();
        while (!stop.IsCancellationRequested)
        {
            var batch = Enumerable.Range(0, 50).Select(_ => "SEL-KILL-" + Guid.NewGuid().ToString("N")[..16]).ToList();
            try
            {
                using var call = ingest.UpsertSellers(cancellationToken: stop);
                foreach (var id in batch)
                {
                    var seller = template.Clone();
                    seller.SellerId = id;
                    await call.RequestStream.WriteAsync(seller, stop);
                }

                await call.RequestStream.CompleteAsync();
                var summary = await call.ResponseAsync;
                if (summary.Received == batch.Count && summary.Rejected == 0)
                {
                    // Acknowledged: the summary came back, so the whole batch is committed.
                    foreach (var id in batch)
                    {
                        acknowledged.Add(id);
                    }
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException or InvalidOperationException)
            {
                await Task.Delay(10, CancellationToken.None);
            }
        }
    }

    private async Task SeizureLoopAsync(Uri address, ConcurrentDictionary<ReportSeizureRequest, string> acknowledged, CancellationToken stop)
    {
        using var fr = Connect(address, "fr-customs");
        using var channel = fr.CreateChannel();
        var client = new SeizureService.SeizureServiceClient(channel);
        while (!stop.IsCancellationRequested)
        {
            var request = SeizureCalls.Report(trackingNumber: "LX100000001CN");
            try
            {
                var receipt = await client.ReportSeizureAsync(request, cancellationToken: stop);
                acknowledged[request] = receipt.SeizureId;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException)
            {
                await Task.Delay(10, CancellationToken.None);
            }
        }
    }

    private GatewayConnection Connect(Uri address, string client) =>
        GatewayConnection.FromPem(address, Path.Combine(Pki, client + ".crt"), Path.Combine(Pki, client + ".key"), Path.Combine(Pki, "ca.crt"), client);

    private sealed class ChildGateway(Process process, Uri address) : IDisposable
    {
        public Process Process { get; } = process;

        public Uri Address { get; } = address;

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }

    private async Task<ChildGateway> StartAsync()
    {
        int port = FreePort(), adminPort = FreePort();
        var gatewayDll = Path.Combine(AppContext.BaseDirectory, "gateway.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])
        [
            gatewayDll,
            .. DevPkiArguments.For(Pki, port, adminPort, provider, connectionString),
            // Hangfire on, deliver-leads every second on a short retry schedule; the other jobs off.
            "--Gateway:Hangfire:DashboardEnabled=false", "--Gateway:Hangfire:PollingInterval=00:00:01",
            // The killed process may die holding the lock Hangfire takes to schedule deliver-leads (every
            // second here); the restarted one must take it over within the test's wait, not after a minute.
            "--Gateway:Hangfire:StaleLockTimeout=00:00:05",
            "--Gateway:Jobs:deliver-leads:Cron=* * * * * *",
            "--Gateway:Jobs:score-shipments:Enabled=false", "--Gateway:Jobs:retention:Enabled=false",
            $"--Gateway:Push:Certificate={Pki}/gateway-push.crt", $"--Gateway:Push:Key={Pki}/gateway-push.key",
            $"--Gateway:Push:ReceiverCaBundle={Pki}/ca.crt", "--Gateway:Push:Timeout=00:00:02",
            "--Gateway:Leads:Delivery:InitialBackoff=00:00:01", "--Gateway:Leads:Delivery:MaxBackoff=00:00:02",
            "--Gateway:Leads:Delivery:ClaimTimeout=00:00:03",
            "--Gateway:Limits:Burst=1000000", "--Gateway:Limits:CallsPerPeriod=1000000",
            "--Logging:LogLevel:Default=Warning",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var log = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new ChildGateway(process, new Uri($"https://localhost:{port}/"));

        using var http = new HttpClient();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                if ((await http.GetStringAsync($"http://127.0.0.1:{adminPort}/healthz")) == "Healthy")
                {
                    return child;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        child.Dispose();
        throw new InvalidOperationException("The gateway did not start:\n" + string.Join("\n", log));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
