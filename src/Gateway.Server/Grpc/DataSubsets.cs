using Gateway.Contracts.V1;
using Gateway.Server.Agencies;

namespace Gateway.Server.Grpc;

/// <summary>
/// Data minimisation: what an agency asks for must be a subset of what it was granted — otherwise the
/// whole request is refused, naming what was denied (never silently truncated).
/// </summary>
internal static class DataSubsets
{
    /// <returns>The subsets to project: the request's, or the RPC's core subset when it names none.</returns>
    public static IReadOnlySet<DataSubset> Resolve(Caller caller, IEnumerable<DataSubset> requested, DataSubset core)
    {
        // Loops, not LINQ: this runs on every data call.
        var wanted = new HashSet<DataSubset>();
        foreach (var subset in requested)
        {
            if (subset != DataSubset.Unspecified)
            {
                wanted.Add(subset);
            }
        }

        if (wanted.Count == 0)
        {
            wanted.Add(core);
        }

        List<string>? denied = null;
        foreach (var subset in wanted)
        {
            if (!caller.Agency.Subsets.Contains(subset))
            {
                (denied ??= []).Add(SubsetNames.ToName(subset));
            }
        }

        if (denied is not null)
        {
            denied.Sort(StringComparer.Ordinal);
            throw RpcErrors.PermissionDenied(
                $"Data subset(s) not granted to agency '{caller.Agency.Id}': {string.Join(", ", denied)}.",
                "DATA_SUBSET_DENIED",
                string.Join(",", denied));
        }

        return wanted;
    }
}
