using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gateway.Contracts.V1;
using Gateway.Server.Auth;
using Gateway.Server.Grpc;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Audit;

/// <summary>Builds the record of one call from what the gateway knows about it at the point it was decided.</summary>
internal sealed class AuditEntries(TimeProvider clock, IOptions<AuditOptions> options)
{
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor?> ContextFields = new();
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatEnumsAsIntegers(false));

    public AuditRecordRow ForCall(HttpContext http, string rpc, object? request, int statusCode, AuditCall? call)
    {
        var envelope = http.Features.Get<Caller>()?.Request ?? Envelope(request);
        var ids = call?.ReturnedIds() ?? [];
        return Base(http, rpc, statusCode) with
        {
            OfficerId = Cut(envelope?.OfficerId, 128),
            LegalBasis = Cut(envelope?.LegalBasis, 256),
            CaseReference = Cut(envelope?.CaseReference, 64),
            StatementOfReasons = Cut(envelope?.StatementOfReasons, 4000),
            RequestSummary = Summary(request),
            RecordsReturned = ids.Count,
            RecordsDigest = AuditCanonical.RecordsDigest(ids),
        };
    }

    public AuditRecordRow Base(HttpContext http, string rpc, int statusCode)
    {
        var caller = http.Features.Get<Caller>();
        var user = http.User;
        var agencyId = caller?.Agency.Id ?? (user.Identity?.IsAuthenticated == true ? user.GetAgencyId() : null) ?? "";
        var clientId = user.Identity?.IsAuthenticated == true
            ? user.GetClientId() ?? agencyId
            : "";
        var certificate = http.Connection.ClientCertificate;
        return new AuditRecordRow
        {
            Time = AuditCanonical.TruncateToMicroseconds(clock.GetUtcNow()),
            AgencyId = Cut(agencyId, 64),
            ClientId = Cut(clientId, 128),
            CertificateThumbprint = caller?.CertificateThumbprint
                ?? (certificate is null ? "" : Agencies.CertificateSubjects.Thumbprint(certificate)),
            Rpc = Cut(rpc, 200),
            StatusCode = statusCode,
        };
    }

    /// <summary>
    /// What was asked: the request as JSON without its envelope (recorded in its own fields) — keys,
    /// filters, subsets. Bounded, so a huge request cannot bloat the log.
    /// </summary>
    public string Summary(object? request)
    {
        if (request is not IMessage message)
        {
            return request is null ? "" : "(stream)";
        }

        if (ContextField(message.Descriptor) is { } field)
        {
            message = message.Descriptor.Parser.ParseFrom(message.ToByteString());
            field.Accessor.Clear(message);
        }

        try
        {
            return Cut(Json.Format(message), options.Value.MaxSummaryLength);
        }
        catch (InvalidOperationException)
        {
            // A value JSON cannot represent (an out-of-range Timestamp, found by the fuzz run): the call is
            // refused INVALID_ARGUMENT, and its record must still be written — with the wire bytes instead.
            return Cut("(not representable as JSON) base64:" + Convert.ToBase64String(message.ToByteArray()), options.Value.MaxSummaryLength);
        }
    }

    public static RequestContext? Envelope(object? request) =>
        request is IMessage message && ContextField(message.Descriptor) is { } field
            ? field.Accessor.GetValue(message) as RequestContext
            : null;

    private static FieldDescriptor? ContextField(MessageDescriptor descriptor) =>
        ContextFields.GetOrAdd(descriptor, d =>
            d.FindFieldByNumber(1) is { FieldType: FieldType.Message } f && f.MessageType == RequestContext.Descriptor ? f : null);

    /// <summary>Over-long values are refused (INVALID_ARGUMENT) but still recorded: cut to the column, marked.</summary>
    /// <summary>
    /// Bounded, and without NUL characters: PostgreSQL text cannot hold U+0000, and one such value in a
    /// group commit would fail the whole batch (found by the fuzz run on PostgreSQL).
    /// </summary>
    public static string Cut(string? value, int max)
    {
        if (value is null)
        {
            return "";
        }

        var bounded = value.Length <= max ? value : value[..(max - 1)] + "…";
        return bounded.Contains('\0', StringComparison.Ordinal) ? bounded.Replace('\0', '\uFFFD') : bounded;
    }
}
