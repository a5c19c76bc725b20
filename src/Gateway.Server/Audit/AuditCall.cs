using Grpc.Core;

namespace Gateway.Server.Audit;

/// <summary>
/// Per-call audit state on the HttpContext: who records the call (the interceptor, or the middleware
/// when the call never reached it), and which records the service returned.
/// </summary>
internal sealed class AuditCall
{
    private readonly List<string> returned = [];

    /// <summary>Set by <see cref="AuditInterceptor"/>: it records this call, the middleware must not.</summary>
    public bool RecordedByInterceptor { get; set; }

    public void Returned(string id)
    {
        lock (returned)
        {
            returned.Add(id);
        }
    }

    public IReadOnlyList<string> ReturnedIds()
    {
        lock (returned)
        {
            return [.. returned];
        }
    }
}

internal static class AuditCallExtensions
{
    /// <summary>
    /// Services report the ids of the records they disclose (in the order sent); the audit record keeps
    /// their count and digest, so what was handed over can be proven later without storing the data.
    /// </summary>
    public static void AuditReturned(this ServerCallContext context, string id) =>
        context.GetHttpContext().Features.Get<AuditCall>()?.Returned(id);

    public static void AuditReturned(this ServerCallContext context, IEnumerable<string> ids)
    {
        if (context.GetHttpContext().Features.Get<AuditCall>() is { } call)
        {
            foreach (var id in ids)
            {
                call.Returned(id);
            }
        }
    }
}
