using System.Diagnostics;
using Gateway.Server.Audit;
using Gateway.Server.Auth;
using Gateway.Server.Grpc;

namespace Gateway.Server.Telemetry;

/// <summary>
/// Counts and times every gateway RPC exactly once, outermost — before the audit middleware, so the
/// status is the one the caller finally sees (an audit failure turns a call into UNAVAILABLE) and calls
/// refused before gRPC (no token, missing scope) are counted too. The agency tag is the resolved caller
/// or the token's agency; "unknown" for an unauthenticated call, so its cardinality stays bounded by
/// the agency registry.
/// </summary>
internal sealed class RpcMetricsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value;
        if (path is null || !path.StartsWith(AuditInterceptor.AuditedPrefix, StringComparison.Ordinal))
        {
            await next(http);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var failed = false;
        try
        {
            await next(http);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            var status = failed ? global::Grpc.Core.StatusCode.Unknown : AuditMiddleware.StatusOf(http.Response);
            var agency = http.Features.Get<Caller>()?.Agency.Id
                ?? (http.User.Identity?.IsAuthenticated == true ? http.User.GetAgencyId() : null);
            var tags = new TagList
            {
                { "rpc", path },
                { "agency", string.IsNullOrEmpty(agency) ? "unknown" : agency },
                { "status", status.ToString() },
            };
            GatewayMetrics.Calls.Add(1, tags);
            GatewayMetrics.CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }
}
