using Gateway.Server.Grpc;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Gateway.Server.Hardening;

/// <summary>
/// The innermost interceptor: what no feature should have to remember. Every request message (and
/// every message of a client stream) is checked for timestamps and durations outside protobuf's valid
/// range — converting them throws, which would surface as UNKNOWN — or text holding NUL characters
/// (PostgreSQL cannot store them), and a client stream's undecodable
/// message (invalid UTF-8, broken wire format) becomes INVALID_ARGUMENT instead of an unhandled
/// exception. Error details that echo huge inputs are cut so the trailers stay within HTTP/2 header
/// limits the client can read. Found by the fuzz run (FuzzTests).
/// </summary>
internal sealed class InputGuardInterceptor : Interceptor
{
    public const int MaxDetailLength = 1024;
    private const int MaxDetailsBinBytes = 16 * 1024;
    private const int MaxDepth = 32;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            Check(request);
            return await continuation(request, context);
        }
        catch (RpcException e)
        {
            throw Bounded(e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            Check(request);
            await continuation(request, responseStream, context);
        }
        catch (RpcException e)
        {
            throw Bounded(e);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(new GuardedReader<TRequest>(requestStream), context);
        }
        catch (RpcException e)
        {
            throw Bounded(e);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(new GuardedReader<TRequest>(requestStream), responseStream, context);
        }
        catch (RpcException e)
        {
            throw Bounded(e);
        }
    }

    private static void Check<T>(T message)
    {
        if (message is IMessage m && FirstInvalid(m, 0) is { } field)
        {
            throw RpcErrors.InvalidArgument("The request holds an invalid value.",
                (field, "NUL characters are not allowed in text; timestamps and durations must be in range and normalised."));
        }
    }

    /// <returns>
    /// The path of the first out-of-range Timestamp/Duration or text holding NUL, relative to
    /// <paramref name="message"/> ("" for the message itself), or null. The path is built on the way back
    /// from a bad value only: a valid request (every call) costs no string.
    /// </returns>
    private static string? FirstInvalid(IMessage message, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        switch (message)
        {
            case Timestamp t:
                return t.Seconds is < -62_135_596_800 or > 253_402_300_799 || t.Nanos is < 0 or >= 1_000_000_000 ? "" : null;
            case Duration d:
                return d.Seconds is < -315_576_000_000 or > 315_576_000_000 || d.Nanos is <= -1_000_000_000 or >= 1_000_000_000
                    || (d.Seconds < 0 && d.Nanos > 0) || (d.Seconds > 0 && d.Nanos < 0) ? "" : null;
        }

        var fields = message.Descriptor.Fields.InFieldNumberOrder();
        for (var f = 0; f < fields.Count; f++)
        {
            var field = fields[f];
            if (field.IsMap || field.FieldType is not (FieldType.Message or FieldType.String))
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            if (field.FieldType == FieldType.String)
            {
                // U+0000 is valid protobuf text but no database stores it (PostgreSQL refuses it outright).
                if (field.IsRepeated ? ((IEnumerable<string>)value).Any(HasNul) : HasNul((string)value))
                {
                    return field.Name;
                }

                continue;
            }

            if (field.IsRepeated)
            {
                var i = 0;
                foreach (var item in (System.Collections.IEnumerable)value)
                {
                    if (FirstInvalid((IMessage)item, depth + 1) is { } bad)
                    {
                        return Path($"{field.Name}[{i}]", bad);
                    }

                    i++;
                }
            }
            else if (value is IMessage nested && FirstInvalid(nested, depth + 1) is { } bad)
            {
                return Path(field.Name, bad);
            }
        }

        return null;
    }

    private static string Path(string field, string below) => below.Length == 0 ? field : field + "." + below;

    private static bool HasNul(string value) => value.Contains('\0', StringComparison.Ordinal);

    /// <summary>An error whose text echoes a huge input would not fit in the trailers: cut it.</summary>
    private static RpcException Bounded(RpcException e)
    {
        var detail = e.Status.Detail ?? "";
        var details = e.Trailers.Get("grpc-status-details-bin");
        if (detail.Length <= MaxDetailLength && (details is null || details.ValueBytes.Length <= MaxDetailsBinBytes))
        {
            return e;
        }

        var trailers = new Metadata();
        foreach (var entry in e.Trailers)
        {
            if (entry.Key != "grpc-status-details-bin" || entry.ValueBytes.Length <= MaxDetailsBinBytes)
            {
                trailers.Add(entry);
            }
        }

        var cut = detail.Length <= MaxDetailLength ? detail : detail[..MaxDetailLength] + "…";
        return new RpcException(new Status(e.StatusCode, cut), trailers);
    }

    private sealed class GuardedReader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool more;
            try
            {
                more = await inner.MoveNext(cancellationToken);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw RpcErrors.InvalidArgument("A streamed message could not be decoded.", ("message", e.Message));
            }

            if (more)
            {
                Check(inner.Current);
            }

            return more;
        }
    }
}
