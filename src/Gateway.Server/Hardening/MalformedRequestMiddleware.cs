using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.IO.Compression;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Hardening;

/// <summary>
/// grpc-dotnet decodes a unary or server-streaming request before any interceptor runs, and reports a
/// message it cannot decode (invalid UTF-8, truncated or malformed protobuf, excessive nesting) as
/// UNKNOWN "Exception was thrown by handler". This middleware, placed after authorization, decodes the
/// single request message first and answers such requests INVALID_ARGUMENT itself (trailers-only
/// response), so agencies get a defined status. Well-formed requests pass through unchanged; the body
/// is already bounded by the configured maximum message size.
/// </summary>
internal sealed class MalformedRequestMiddleware(RequestDelegate next, IOptions<GrpcServiceOptions> grpc)
{
    private static readonly Dictionary<string, MessageDescriptor> SingleRequest = Build();

    public Task InvokeAsync(HttpContext http)
    {
        if (http.Request.Path.Value is not { } path || !SingleRequest.TryGetValue(path, out var input)
            || !(http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) ?? false))
        {
            return next(http);
        }

        // The body of a unary call has usually arrived with its headers, so the check completes synchronously
        // and `next` is called without a state machine of ours on the stack of a call that later waits (audit).
        var checking = RefusedAsync(http, input);
        if (!checking.IsCompletedSuccessfully)
        {
            return ThenAsync(http, checking);
        }

        return checking.Result ? Task.CompletedTask : next(http);
    }

    private async Task ThenAsync(HttpContext http, ValueTask<bool> checking)
    {
        if (!await checking)
        {
            await next(http);
        }
    }

    /// <summary>
    /// Reads the request body without consuming it; answers INVALID_ARGUMENT and returns true if its message
    /// cannot be decoded. Otherwise gRPC reads the same bytes from the same pipe: the body is not copied.
    /// </summary>
    private async ValueTask<bool> RefusedAsync(HttpContext http, MessageDescriptor input)
    {
        var limit = (grpc.Value.MaxReceiveMessageSize ?? 4 * 1024 * 1024) + 5L;
        var reader = http.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync(http.RequestAborted);
            if (read.IsCompleted || read.Buffer.Length > limit)
            {
                break;
            }

            // Nothing consumed, everything examined: the next read returns once more of the body has arrived.
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        var body = read.Buffer;
        var reason = body.Length <= limit ? Malformed(body, input, http.Request.Headers["grpc-encoding"].ToString()) : null;
        // Still nothing consumed: gRPC reads the whole body itself (size and framing errors are left to it: it
        // answers those with defined statuses).
        reader.AdvanceTo(body.Start, body.End);
        if (reason is null)
        {
            return false;
        }

        await reader.CompleteAsync();
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = "3";
        http.Response.Headers["grpc-message"] = Uri.EscapeDataString("The request message could not be decoded: " + reason);
        return true;
    }

    /// <returns>Why the single framed message cannot be decoded, or null if it decodes (or is for gRPC itself to judge).</returns>
    private static string? Malformed(ReadOnlySequence<byte> body, MessageDescriptor input, string encoding)
    {
        if (body.Length < 5)
        {
            return null; // incomplete frame: gRPC answers INTERNAL "Incomplete message"
        }

        Span<byte> header = stackalloc byte[5];
        body.Slice(0, 5).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag > 1)
        {
            return $"invalid compression flag {flag}";
        }

        if (length != body.Length - 5)
        {
            return null; // truncated or trailing data: gRPC answers with a defined status
        }

        var payload = body.Slice(5);
        try
        {
            if (flag == 1)
            {
                if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
                {
                    return null; // unsupported or missing encoding: gRPC refuses it itself
                }

                using var gzip = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
                var inflated = new MemoryStream();
                gzip.CopyTo(inflated);
                payload = new ReadOnlySequence<byte>(inflated.ToArray());
            }

            input.Parser.ParseFrom(payload);
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return e.Message;
        }
        catch (InvalidDataException)
        {
            return "invalid gzip data";
        }
    }

    private static Dictionary<string, MessageDescriptor> Build() =>
        new[]
        {
            ShipmentsReflection.Descriptor, SellersReflection.Descriptor, SeizuresReflection.Descriptor, LeadsReflection.Descriptor,
            IngestReflection.Descriptor, FeedReflection.Descriptor, AuditReflection.Descriptor,
        }
        .SelectMany(f => f.Services)
        .SelectMany(s => s.Methods)
        .Where(m => !m.IsClientStreaming)
        .ToDictionary(m => $"/{m.Service.FullName}/{m.Name}", m => m.InputType, StringComparer.Ordinal);
}
