using Gateway.Contracts.V1;

namespace Gateway.Server.Seizures;

/// <summary>
/// The forward-only lifecycle. A confirmation records a strike, so nothing may lead back from it:
/// RELEASED is only reachable from DETAINED, which is why a strike never needs undoing.
/// </summary>
internal static class SeizureLifecycle
{
    private static readonly Dictionary<SeizureStatus, SeizureStatus[]> Next = new()
    {
        [SeizureStatus.Detained] = [SeizureStatus.ConfirmedCounterfeit, SeizureStatus.Released],
        [SeizureStatus.ConfirmedCounterfeit] = [SeizureStatus.Destroyed, SeizureStatus.InProceedings],
        [SeizureStatus.Released] = [],
        [SeizureStatus.Destroyed] = [],
        [SeizureStatus.InProceedings] = [],
    };

    public static IReadOnlyList<SeizureStatus> NextOf(SeizureStatus from) => Next.TryGetValue(from, out var next) ? next : [];

    public static bool IsAllowed(SeizureStatus from, SeizureStatus to) => NextOf(from).Contains(to);
}
