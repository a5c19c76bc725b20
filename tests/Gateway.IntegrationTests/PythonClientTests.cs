using System.Diagnostics;

namespace Gateway.IntegrationTests;

/// <summary>
/// Runs only when Debian's grpcio (for /usr/bin/python3) and protoc with the gRPC Python plugin are
/// installed (.ci/run installs them); otherwise skipped, saying what is missing.
/// </summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (PythonClient.Missing.Value is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class PythonClient
{
    public const string Python = "/usr/bin/python3";

    public static string Example => Path.Combine(RepositoryRoot(), "examples", "python");

    public static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python) || Run(Python, ["-c", "import grpc"]).Code != 0)
        {
            return "Python example: /usr/bin/python3 without grpcio (apt-get install python3-grpcio)";
        }

        return Run("/bin/sh", ["-c", "command -v protoc && command -v grpc_python_plugin"]).Code == 0
            ? null
            : "Python example: protoc or grpc_python_plugin missing (apt-get install protobuf-compiler protobuf-compiler-grpc)";
    });

    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Debian's packages, not a pyenv or virtualenv on the developer's PATH.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, stdout.Result, stderr.Result + "\n(timed out)");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root (Gateway.sln) not found.");
    }
}

/// <summary>
/// docs/onboarding.md's Python client (examples/python/first_call.py), run as an agency would run it:
/// stubs generated from protos/ in this run, a token from /connect/token and GetShipment, both over mutual
/// TLS with the agency's PEM certificate and key, against a freshly started gateway.
/// </summary>
public sealed class PythonClientTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private string[] Arguments(string trackingNumber, string stubs) =>
    [
        Path.Combine(PythonClient.Example, "first_call.py"),
        "--address", $"localhost:{gateway.Port}",
        "--cert", Path.Combine(gateway.Pki, "fr-customs.crt"),
        "--key", Path.Combine(gateway.Pki, "fr-customs.key"),
        "--ca", Path.Combine(gateway.Pki, "ca.crt"),
        "--client-id", "fr-customs",
        "--tracking-number", trackingNumber,
        "--legal-basis", "EU 608/2013 art. 17",
        "--case", "FR-2026-0042",
        "--subsets", "SHIPMENT_CORE", "SHIPMENT_PARTIES",
        "--stubs", stubs,
    ];

    [PythonFact]
    public void The_python_example_gets_a_token_and_a_shipment_over_mutual_tls()
    {
        var stubs = Path.Combine(gateway.Root, "python-stubs");
        var generate = PythonClient.Run("/bin/bash", [Path.Combine(PythonClient.Example, "generate-stubs.sh"), stubs]);
        Assert.True(generate.Code == 0, generate.Err);

        var found = PythonClient.Run(PythonClient.Python, Arguments("LX100000001CN", stubs));
        Assert.True(found.Code == 0, found.Err);
        Assert.Contains("\"shipment_id\": \"SHP-DEMO-0001\"", found.Out, StringComparison.Ordinal);
        Assert.Contains("\"destination_country\": \"FR\"", found.Out, StringComparison.Ordinal);
        Assert.Contains("\"consignee\"", found.Out, StringComparison.Ordinal);
        Assert.Contains("token: Bearer", found.Err, StringComparison.Ordinal);

        // Outside the agency's jurisdiction: the example reports the gateway's status and fails.
        var outside = PythonClient.Run(PythonClient.Python, Arguments("LX100000002CN", stubs));
        Assert.Equal(1, outside.Code);
        Assert.Contains("NOT_FOUND", outside.Err, StringComparison.Ordinal);
    }
}
