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
        var wanted = requested.Where(s => s != DataSubset.Unspecified).ToHashSet();
        if (wanted.Count == 0)
        {
            wanted.Add(core);
        }

        var denied = wanted.Where(s => !caller.Agency.Subsets.Contains(s)).Select(SubsetNames.ToName).Order(StringComparer.Ordinal).ToList();
        if (denied.Count > 0)
        {
            throw RpcErrors.PermissionDenied(
                $"Data subset(s) not granted to agency '{caller.Agency.Id}': {string.Join(", ", denied)}.",
                "DATA_SUBSET_DENIED",
                string.Join(",", denied));
        }

        return wanted;
    }
}
