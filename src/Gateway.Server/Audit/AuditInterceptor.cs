using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Gateway.Server.Audit;

/// <summary>
/// The outermost interceptor (registered before <see cref="Grpc.CallerInterceptor"/>): records every
/// gateway RPC that reaches gRPC — allowed, or refused by agency status, envelope validation, data
/// subsets, jurisdiction or the service — exactly once, and answers only after the record is durable.
/// If it cannot be written the call fails with UNAVAILABLE and its response is dropped (fail closed).
///
/// Server streams cannot wait for a record that needs their final count: they first prove the audit
/// store writable (a committed probe transaction), then stream, then write the one record with the
/// count and digest. See docs/audit.md for why, and what that leaves open.
/// </summary>
internal sealed partial class AuditInterceptor(AuditWriter writer, AuditEntries entries, ILogger<AuditInterceptor> log) : Interceptor
{
    public const string AuditedPrefix = "/gateway.v1.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (Begin(context) is not { } call)
        {
            return await continuation(request, context);
        }

        TResponse response;
        try
        {
            response = await continuation(request, context);
        }
        catch (Exception e)
        {
            await RecordAsync(context, request, StatusOf(e, context), call);
            throw;
        }

        await RecordAsync(context, request, StatusCode.OK, call);
        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (Begin(context) is not { } call)
        {
            return await continuation(requestStream, context);
        }

        TResponse response;
        try
        {
            response = await continuation(requestStream, context);
        }
        catch (Exception e)
        {
            await RecordAsync(context, "(client stream)", StatusOf(e, context), call);
            throw;
        }

        await RecordAsync(context, "(client stream)", StatusCode.OK, call);
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (Begin(context) is not { } call)
        {
            await continuation(request, responseStream, context);
            return;
        }

        await ProbeAsync(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e)
        {
            await RecordAsync(context, request, StatusOf(e, context), call);
            throw;
        }

        await RecordAsync(context, request, StatusCode.OK, call);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (Begin(context) is not { } call)
        {
            await continuation(requestStream, responseStream, context);
            return;
        }

        await ProbeAsync(context);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e)
        {
            await RecordAsync(context, "(duplex stream)", StatusOf(e, context), call);
            throw;
        }

        await RecordAsync(context, "(duplex stream)", StatusCode.OK, call);
    }

    /// <summary>The call's audit state, or null when it is not audited (auditing off; health and reflection).</summary>
    private AuditCall? Begin(ServerCallContext context)
    {
        if (!writer.Enabled || !context.Method.StartsWith(AuditedPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var features = context.GetHttpContext().Features;
        var call = features.Get<AuditCall>();
        if (call is null)
        {
            call = new AuditCall();
            features.Set(call);
        }

        call.RecordedByInterceptor = true;
        return call;
    }

    private async Task RecordAsync(ServerCallContext context, object? request, StatusCode status, AuditCall call)
    {
        var record = entries.ForCall(context.GetHttpContext(), context.Method, request, (int)status, call);
        try
        {
            await writer.AppendAsync(record);
        }
        catch (AuditUnavailableException)
        {
            LogRefused(context.Method, record.AgencyId, record.CaseReference, (int)status, record.RecordsReturned);
            throw Unavailable();
        }
    }

    private async Task ProbeAsync(ServerCallContext context)
    {
        try
        {
            await writer.ProbeAsync();
        }
        catch (AuditUnavailableException)
        {
            LogRefused(context.Method, "", "", -1, 0);
            throw Unavailable();
        }
    }

    private static RpcException Unavailable() =>
        new(new Status(StatusCode.Unavailable, "The audit log cannot be written; the call was not served."));

    /// <summary>
    /// How a call that threw ended, as its client saw it. Past its deadline, grpc-dotnet sets the call's
    /// status to DEADLINE_EXCEEDED, completes and resets the response, and only then cancels the call's token:
    /// a write in between throws the response writer's own exception with the token not yet cancelled, which
    /// was recorded as UNKNOWN. Once its token is cancelled (the client gave up), the call ended because of
    /// that, whatever surfaced: Npgsql or the response writer may throw instead of OperationCanceledException.
    /// </summary>
    public static StatusCode StatusOf(Exception e, ServerCallContext context) => e switch
    {
        RpcException rpc => rpc.StatusCode,
        _ when context.Status.StatusCode == StatusCode.DeadlineExceeded => StatusCode.DeadlineExceeded,
        _ when context.CancellationToken.IsCancellationRequested => StatusCode.Cancelled,
        _ => StatusOf(e),
    };

    public static StatusCode StatusOf(Exception e) => e switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException => StatusCode.Cancelled,
        // grpc-dotnet answers any other exception with UNKNOWN.
        _ => StatusCode.Unknown,
    };

    [LoggerMessage(Level = LogLevel.Critical, Message = "Audit unavailable: call {Method} by {AgencyId} (case {CaseReference}, status {Status}, {Returned} record(s)) answered UNAVAILABLE")]
    private partial void LogRefused(string method, string agencyId, string caseReference, int status, long returned);
}
