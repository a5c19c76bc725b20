using System.Buffers.Binary;
using Gateway.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Gateway.Server.Audit;

/// <summary>
/// Records gateway gRPC calls refused before they reach the interceptors: no or invalid token
/// (401 → UNAUTHENTICATED), a token without the RPC's scope (403 → PERMISSION_DENIED), an unknown
/// method. Runs before authentication, so it sees every such call; when the interceptor has
/// recorded the call, it does nothing (exactly one record per call). The refusal carries no data,
/// but it is still held back until its record is durable; if it cannot be written the caller gets
/// 503 (UNAVAILABLE) instead.
/// </summary>
internal sealed partial class AuditMiddleware(RequestDelegate next, AuditWriter writer, AuditEntries entries, ILogger<AuditMiddleware> log)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value;
        if (!writer.Enabled || path is null || !path.StartsWith(AuditInterceptor.AuditedPrefix, StringComparison.Ordinal))
        {
            await next(http);
            return;
        }

        var call = new AuditCall();
        http.Features.Set(call);
        try
        {
            await next(http);
        }
        catch (Exception) when (!call.RecordedByInterceptor)
        {
            await RecordAsync(http, path, StatusCode.Unknown);
            throw;
        }

        if (!call.RecordedByInterceptor)
        {
            await RecordAsync(http, path, StatusOf(http.Response));
        }
    }

    private async Task RecordAsync(HttpContext http, string path, StatusCode status)
    {
        var envelope = await EnvelopeFromBodyAsync(http);
        var record = entries.Base(http, path, (int)status) with
        {
            OfficerId = AuditEntries.Cut(envelope?.OfficerId, 128),
            LegalBasis = AuditEntries.Cut(envelope?.LegalBasis, 256),
            CaseReference = AuditEntries.Cut(envelope?.CaseReference, 64),
            StatementOfReasons = AuditEntries.Cut(envelope?.StatementOfReasons, 4000),
        };
        try
        {
            await writer.AppendAsync(record);
        }
        catch (AuditUnavailableException)
        {
            LogUnrecorded(path, (int)status);
            if (!http.Response.HasStarted)
            {
                http.Response.Clear();
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }
    }

    /// <summary>
    /// The request envelope (field 1, RequestContext, of every gateway request) read from the unread
    /// body of a refused unary call, so the record says under which case it was attempted. Bounded:
    /// an unauthenticated caller gets at most 16 KiB read and one second.
    /// </summary>
    private static async Task<RequestContext?> EnvelopeFromBodyAsync(HttpContext http)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var buffer = new byte[16 * 1024];
            var filled = 0;
            while (filled < buffer.Length)
            {
                var read = await http.Request.Body.ReadAsync(buffer.AsMemory(filled), timeout.Token);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            // gRPC framing: 1 byte compressed flag (uncompressed only), 4 bytes big-endian length.
            if (filled < 5 || buffer[0] != 0)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(1));
            if (length < 0 || length > filled - 5)
            {
                return null;
            }

            var input = new CodedInputStream(buffer, 5, length);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
                {
                    var envelope = new RequestContext();
                    input.ReadMessage(envelope);
                    return envelope;
                }

                input.SkipLastField();
            }
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or OperationCanceledException or IOException or BadHttpRequestException or InvalidOperationException)
        {
            // Unreadable or not a gateway request: the record simply has no envelope.
        }

        return null;
    }

    /// <summary>The gRPC status the client will see: HTTP 401/403 as the gRPC client maps them, else grpc-status.</summary>
    public static StatusCode StatusOf(HttpResponse response)
    {
        switch (response.StatusCode)
        {
            case StatusCodes.Status401Unauthorized:
                return StatusCode.Unauthenticated;
            case StatusCodes.Status403Forbidden:
                return StatusCode.PermissionDenied;
        }

        var grpcStatus = response.Headers["grpc-status"].ToString();
        if (string.IsNullOrEmpty(grpcStatus))
        {
            grpcStatus = response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString() ?? "";
        }

        if (int.TryParse(grpcStatus, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return (StatusCode)code;
        }

        return response.StatusCode switch
        {
            StatusCodes.Status404NotFound => StatusCode.Unimplemented,
            StatusCodes.Status503ServiceUnavailable => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Audit unavailable: refused call {Path} (status {Status}) answered 503")]
    private partial void LogUnrecorded(string path, int status);
}
