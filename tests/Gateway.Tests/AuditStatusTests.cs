using Gateway.Server.Audit;
using Grpc.Core;

namespace Gateway.Tests;

/// <summary>The status the audit records for a call whose handler threw.</summary>
public sealed class AuditStatusTests
{
    [Fact]
    public void A_failure_after_the_call_was_cancelled_is_recorded_as_cancelled_whatever_surfaced()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var afterCancel = new Context(cancelled.Token);
        var live = new Context(CancellationToken.None);

        // E.g. the response writer refusing a write once the deadline has completed the call.
        var writeAfterEnd = new InvalidOperationException("Can't write the message because the request is complete.");
        Assert.Equal(StatusCode.Cancelled, AuditInterceptor.StatusOf(writeAfterEnd, afterCancel));
        Assert.Equal(StatusCode.Unknown, AuditInterceptor.StatusOf(writeAfterEnd, live));

        // A status the service chose stands either way.
        var refused = new RpcException(new Status(StatusCode.PermissionDenied, "no"));
        Assert.Equal(StatusCode.PermissionDenied, AuditInterceptor.StatusOf(refused, afterCancel));
        Assert.Equal(StatusCode.Cancelled, AuditInterceptor.StatusOf(new OperationCanceledException(), live));
    }

    [Fact]
    public void A_failure_between_the_deadline_ending_the_call_and_its_token_cancelled_is_recorded_as_deadline_exceeded()
    {
        // grpc-dotnet's order past a deadline: the status first, then the response completed, then the token
        // cancelled. A write in that window meets a completed response while the token is still live.
        var pastDeadline = new Context(CancellationToken.None) { Status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded") };
        var writeAfterEnd = new InvalidOperationException("Can't write the message because the request is complete.");
        Assert.Equal(StatusCode.DeadlineExceeded, AuditInterceptor.StatusOf(writeAfterEnd, pastDeadline));

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var pastDeadlineAndCancelled = new Context(cancelled.Token) { Status = pastDeadline.Status };
        Assert.Equal(StatusCode.DeadlineExceeded, AuditInterceptor.StatusOf(new OperationCanceledException(), pastDeadlineAndCancelled));

        // A status the service chose still stands.
        Assert.Equal(StatusCode.NotFound, AuditInterceptor.StatusOf(new RpcException(new Status(StatusCode.NotFound, "no")), pastDeadline));
    }

    private sealed class Context(CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => "/gateway.v1.ShipmentService/ExportShipments";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore => [];
        protected override CancellationToken CancellationTokenCore => token;
        protected override Metadata ResponseTrailersCore => [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
