using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Grpc.Core;

namespace Gateway.Server.Grpc;

/// <summary>Who is calling and on what basis: resolved once per call by <see cref="CallerInterceptor"/>.</summary>
internal sealed record Caller(Agency Agency, RequestContext? Request, string CertificateThumbprint);

internal static class CallerExtensions
{
    /// <summary>The resolved caller of this gRPC call. Present on every gateway RPC (the interceptor refuses calls without one).</summary>
    public static Caller Caller(this ServerCallContext context) =>
        context.GetHttpContext().Features.Get<Caller>()
        ?? throw new InvalidOperationException("No caller resolved for this call; is CallerInterceptor registered?");
}
