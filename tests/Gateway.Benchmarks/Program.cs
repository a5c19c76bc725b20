// Benchmarks: `dotnet run -c Release --project tests/Gateway.Benchmarks -- <name> [options]`.
// Each benchmark lives in its own file and registers itself in Benchmarks.All; results and the
// exact commands go to docs/performance.md.
using Gateway.Benchmarks;

if (args.Length == 0 || !Benchmarks.All.TryGetValue(args[0], out var run))
{
    Console.WriteLine("Benchmarks: " + string.Join(", ", Benchmarks.All.Keys.Order()));
    return args.Length == 0 ? 0 : 2;
}

return await run(args[1..]);
