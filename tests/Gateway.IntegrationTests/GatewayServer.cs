using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Client;
using Gateway.Server.Admin;
using Gateway.Server.Agencies;
using Gateway.Server.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.IntegrationTests;

/// <summary>
/// A real gateway for tests: real Kestrel with real mutual TLS on loopback ports, real OpenIddict
/// tokens, a real SQLite file, a freshly generated dev PKI — all in a temporary folder — plus a
/// foreign CA whose certificates the gateway must refuse. The clock is a fake so token expiry can
/// be tested without waiting.
/// </summary>
public class GatewayServer : IAsyncLifetime
{
    private WebApplication? app;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "gateway-it-" + Guid.NewGuid().ToString("N")[..12]);

    public string Pki => Path.Combine(Root, "pki");

    public string ForeignPki => Path.Combine(Root, "foreign");

    public int Port { get; } = FreePort();

    public int AdminPort { get; } = FreePort();

    public Uri Address => new($"https://localhost:{Port}/");

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("Not started.");

    public List<string> Log { get; } = [];

    public string Provider { get; private set; } = "sqlite";

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        (Provider, ConnectionString) = await TestDatabase.CreateAsync(Root);
        DevPki.Create(Pki);
        CreateForeignPki();
        string[] args =
        [
            .. DevPkiArguments.For(Pki, Port, AdminPort, Provider, ConnectionString),
            // Jobs are invoked directly by tests (deterministic, on the fake clock), never by Hangfire's server.
            "--Gateway:Hangfire:ServerEnabled=false",
            // Suites such as the authorization matrix fetch a token per case with one certificate, far
            // above what a caching client needs; TokenEndpointLimitTests sets (and proves) a real limit.
            "--Gateway:Limits:TokenEndpoint:Burst=1000000", "--Gateway:Limits:TokenEndpoint:RequestsPerPeriod=1000000",
        ];
        app = GatewayApp.Build([.. args, .. AdditionalArgs()], builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(Clock);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new ListLoggerProvider(Log));
            Customise(builder);
        });
        await app.PrepareDatabaseAsync();
        await app.StartAsync();
    }

    /// <summary>Extra configuration for a derived fixture, e.g. "--Gateway:Audit:Enabled=false".</summary>
    protected virtual IEnumerable<string> AdditionalArgs() => [];

    /// <summary>Extra services for a derived fixture (a test receiver, a fault injector…).</summary>
    protected virtual void Customise(WebApplicationBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("GATEWAY_TEST_DUMP_LOG") == "1")
        {
            // Debugging aid: the server's errors, which a client only sees as "Exception was thrown by handler".
            lock (Log)
            {
                foreach (var line in Log.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)))
                {
                    Console.Error.WriteLine(line);
                }
            }
        }

        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await TestDatabase.DropAsync(Provider, ConnectionString);

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may linger a moment; the temp folder is disposable anyway.
        }
    }

    /// <summary>Server certificate check for hand-made clients: chains to this gateway's dev CA only.</summary>
    internal bool TrustedServer(object sender, X509Certificate? certificate, X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Pki, "ca.crt"));
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>
    /// Whether a log line containing <paramref name="fragment"/> appears within a few seconds: the
    /// server may log a refused handshake just after the client has seen the connection fail.
    /// </summary>
    public async Task<bool> EventuallyLoggedAsync(string fragment)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (Logged(fragment))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    public bool Logged(string fragment)
    {
        lock (Log)
        {
            return Log.Any(line => line.Contains(fragment, StringComparison.Ordinal));
        }
    }

    internal AgencyStore Agencies => Services.GetRequiredService<AgencyStore>();

    /// <summary>A connection as one of the demo clients (fr-customs, de-customs, platform, oversight).</summary>
    internal GatewayConnection Connect(string client, string? clientId = null, IReadOnlyList<string>? scopes = null) =>
        GatewayConnection.FromPem(Address, Path.Combine(Pki, client + ".crt"), Path.Combine(Pki, client + ".key"),
            Path.Combine(Pki, "ca.crt"), clientId ?? client, scopes);

    internal GatewayConnection ConnectWith(string directory, string name, string clientId) =>
        GatewayConnection.FromPem(Address, Path.Combine(directory, name + ".crt"), Path.Combine(directory, name + ".key"),
            Path.Combine(Pki, "ca.crt"), clientId);

    /// <summary>A different CA issuing a certificate with exactly fr-customs' subject: it must not get in.</summary>
    private void CreateForeignPki()
    {
        Directory.CreateDirectory(ForeignPki);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = DevPki.CreateCa("CN=Gateway Dev CA, O=Gateway (development only)", caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = DevPki.DemoClients.Single(c => c.Id == "fr-customs").Subject;
        using var client = DevPki.Issue(ca, subject, key, new Oid("1.3.6.1.5.5.7.3.2"));
        File.WriteAllText(Path.Combine(ForeignPki, "fr-customs.crt"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(ForeignPki, "fr-customs.key"), key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ListLoggerProvider(List<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(sink, categoryName);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (sink)
                {
                    sink.Add($"{logLevel} {category}: {formatter(state, exception)}" + (exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]"));
                }
            }
        }
    }
}
