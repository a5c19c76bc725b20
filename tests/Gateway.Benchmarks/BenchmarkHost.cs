using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Benchmarks;

/// <summary>What every benchmark needs from its host: its options, free ports, and itself as a child process.</summary>
internal static class BenchmarkHost
{
    /// <summary>The value after <paramref name="name"/>, or null.</summary>
    public static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static int Option(string[] args, string name, int fallback) =>
        Text(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// This benchmark executable again, running <paramref name="benchmark"/> (e.g. gateway-server), so its
    /// CPU and memory are measured apart from the driver's; its stderr is relayed with a prefix.
    /// </summary>
    public static Process StartSelf(string benchmark, params string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(BenchmarkHost).Assembly.Location);
        }

        info.ArgumentList.Add(benchmark);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[{benchmark}] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>User + system CPU of a process so far, in clock ticks (1/100 s).</summary>
    public static long CpuTicks(Process process) => StatTicks($"/proc/{process.Id}/stat");

    /// <summary>utime + stime of a /proc stat file (a process's or one of its threads'), in clock ticks.</summary>
    private static long StatTicks(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>The whole machine's CPU so far, in clock ticks: (busy, total) over all cores, from /proc/stat.</summary>
    public static (long Busy, long Total) MachineCpuTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum(); // user nice system idle iowait irq softirq steal
        return (total - fields[3] - fields[4], total);
    }

    /// <summary>
    /// Waits until the JIT has compiled nothing for half a second (20 s at most): in this process, and in
    /// <paramref name="server"/> when the gateway runs as a child process. The runtime promotes hot methods to
    /// optimised code on a background thread some time after they become hot; without the wait, a warm-up's
    /// promotions ran during the measurement (the ingest's insert pass: ≈ 1.4 s of a core; the export's first eight
    /// rounds: the two processes' compiler threads were 27 % of the samples).
    /// </summary>
    public static async Task JitSettledAsync(Process? server = null)
    {
        var deadline = Stopwatch.StartNew();
        var (methods, compiler) = (System.Runtime.JitInfo.GetCompiledMethodCount(), server is null ? [] : CompilerThreads(server));
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(500);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == methods && (server is null || CompilerTicksSince(server, compiler) == 0))
            {
                return;
            }

            (methods, compiler) = (now, server is null ? [] : CompilerThreads(server));
        }
    }

    /// <summary>
    /// CPU so far of each of a .NET process's tiered-compilation threads (its background JIT), in clock ticks, by
    /// thread id. The runtime ends that thread when it has been idle a while and starts another when there is work
    /// again, so a sum by name could shrink between two readings: compare snapshots with <see cref="CompilerTicksSince"/>.
    /// </summary>
    public static Dictionary<int, long> CompilerThreads(Process process)
    {
        var threads = new Dictionary<int, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{process.Id}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                {
                    threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = StatTicks(Path.Combine(task, "stat"));
                }
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return threads;
    }

    /// <summary>
    /// The compiler's CPU since <paramref name="before"/>, in clock ticks: a thread started since counts whole, one
    /// that ended since is lost with what it did after <paramref name="before"/>. A lower bound, never negative.
    /// </summary>
    public static long CompilerTicksSince(Process process, Dictionary<int, long> before) =>
        CompilerThreads(process).Sum(thread => thread.Value - before.GetValueOrDefault(thread.Key));

    /// <summary>Peak resident set size of a process so far (VmHWM), in MB.</summary>
    public static double PeakRssMb(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
