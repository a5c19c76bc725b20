using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Gateway.Server.Grpc;

/// <summary>Errors with google.rpc details, so clients can tell exactly which field or permission failed.</summary>
internal static class RpcErrors
{
    public static RpcException InvalidArgument(string message, params (string Field, string Description)[] violations)
    {
        var badRequest = new BadRequest();
        foreach (var (field, description) in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        }

        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Any.Pack(badRequest) },
        }.ToRpcException();
    }

    public static RpcException PermissionDenied(string message, string reason, string? subject = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = "gateway" };
        if (subject is not null)
        {
            info.Metadata.Add("subject", subject);
        }

        return new Google.Rpc.Status
        {
            Code = (int)Code.PermissionDenied,
            Message = message,
            Details = { Any.Pack(info) },
        }.ToRpcException();
    }

    /// <summary>Deliberately says nothing about why: absent and outside-jurisdiction must look the same.</summary>
    public static RpcException NotFound(string what) =>
        new(new global::Grpc.Core.Status(StatusCode.NotFound, $"{what} not found."));

    /// <summary>The request is valid but the resource's current state forbids it (e.g. a backward seizure transition).</summary>
    public static RpcException FailedPrecondition(string message, string type, string subject, string description)
    {
        var failure = new PreconditionFailure();
        failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = type, Subject = subject, Description = description });
        return new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = message,
            Details = { Any.Pack(failure) },
        }.ToRpcException();
    }

    /// <summary>The entity the request would create already exists, differently (e.g. an idempotency key reused for another payload).</summary>
    public static RpcException AlreadyExists(string message, string reason, IReadOnlyDictionary<string, string> metadata)
    {
        var info = new ErrorInfo { Reason = reason, Domain = "gateway" };
        foreach (var (key, value) in metadata)
        {
            info.Metadata.Add(key, value);
        }

        return new Google.Rpc.Status
        {
            Code = (int)Code.AlreadyExists,
            Message = message,
            Details = { Any.Pack(info) },
        }.ToRpcException();
    }
}
