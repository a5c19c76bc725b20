using Gateway.Server.Auth;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Gateway.Server.Limits;

/// <summary>
/// Registered after the audit interceptor (so a refusal is still audited, once) and before the
/// caller interceptor (so a flood is turned away before it costs an agency look-up). Keyed by the
/// agency id of the validated token: only authenticated calls reach gRPC interceptors.
/// </summary>
internal sealed partial class LimitsInterceptor(AgencyLimiter limiter, ILogger<LimitsInterceptor> log) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var lease = Acquire(context);
        await continuation(requestStream, responseStream, context);
    }

    private IDisposable? Acquire(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (http.User.GetAgencyId() is not { } agencyId)
        {
            // Health and reflection: no token, no agency; the handshake already required a certificate.
            return null;
        }

        var (lease, refusal, retryAfter) = limiter.TryAcquire(agencyId);
        if (lease is not null)
        {
            return lease;
        }

        LogLimited(agencyId, context.Method, refusal!);
        throw new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = refusal == "RATE_LIMITED"
                ? $"Agency '{agencyId}' exceeded its call rate; retry after the indicated delay."
                : $"Agency '{agencyId}' has too many calls in flight; retry after the indicated delay.",
            Details =
            {
                Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }),
                Any.Pack(new ErrorInfo { Reason = refusal, Domain = "gateway", Metadata = { ["agency_id"] = agencyId } }),
            },
        }.ToRpcException();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {Method} of agency {AgencyId} refused: {Reason}")]
    private partial void LogLimited(string agencyId, string method, string reason);
}
