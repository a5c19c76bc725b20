using System.Diagnostics;
using System.Globalization;

namespace Gateway.Server.Hosting;

/// <summary>
/// Where start-up time goes, for the cold-start benchmark and for an operator wondering why a restart
/// is slow: with GATEWAY_STARTUP_TIMINGS=1 each phase of <c>GatewayApp</c> writes one line
/// "startup-phase NAME MS" (milliseconds since the process started) to standard error. Off by
/// default; reading one environment variable is all it costs then.
/// </summary>
internal static class StartupTimings
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("GATEWAY_STARTUP_TIMINGS") == "1";

    public static void Mark(string phase)
    {
        if (Enabled)
        {
            using var process = Process.GetCurrentProcess();
            var ms = (DateTime.Now - process.StartTime).TotalMilliseconds;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"startup-phase {phase} {ms:F0}"));
        }
    }
}
