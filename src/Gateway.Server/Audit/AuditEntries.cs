using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
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

    [ThreadStatic]
    private static StringWriter? summaryWriter;

    public AuditRecordRow ForCall(HttpContext http, string rpc, object? request, int statusCode, AuditCall? call)
    {
        var envelope = http.Features.Get<Caller>()?.Request ?? Envelope(request);
        return Record(http, rpc, statusCode, envelope, Summary(request), call?.ReturnedIds() ?? []);
    }

    /// <summary>The record of a call refused before its request was read: who, what and how it ended.</summary>
    public AuditRecordRow Base(HttpContext http, string rpc, int statusCode) => Record(http, rpc, statusCode, null, "", []);

    private AuditRecordRow Record(HttpContext http, string rpc, int statusCode, RequestContext? envelope, string summary, IReadOnlyList<string> ids)
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
            OfficerId = Cut(envelope?.OfficerId, 128),
            Rpc = Cut(rpc, 200),
            LegalBasis = Cut(envelope?.LegalBasis, 256),
            CaseReference = Cut(envelope?.CaseReference, 64),
            StatementOfReasons = Cut(envelope?.StatementOfReasons, 4000),
            RequestSummary = summary,
            StatusCode = statusCode,
            RecordsReturned = ids.Count,
            RecordsDigest = AuditCanonical.RecordsDigest(ids),
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

        // The envelope is taken off the request while it is formatted, and put back. The call's handler has
        // finished by now, so nothing else reads the request; a copy (serialise and parse again) allocated
        // the whole request a second time on every audited call.
        var field = ContextField(message.Descriptor);
        var envelope = field?.Accessor.GetValue(message);
        field?.Accessor.Clear(message);
        try
        {
            return Cut(Format(message), options.Value.MaxSummaryLength);
        }
        catch (InvalidOperationException)
        {
            // A value JSON cannot represent (an out-of-range Timestamp, found by the fuzz run): the call is
            // refused INVALID_ARGUMENT, and its record must still be written — with the wire bytes instead.
            return Cut("(not representable as JSON) base64:" + Convert.ToBase64String(message.ToByteArray()), options.Value.MaxSummaryLength);
        }
        finally
        {
            if (envelope is not null)
            {
                field!.Accessor.SetValue(message, envelope);
            }
        }
    }

    /// <summary>The request as JSON, written into this thread's reused buffer (formatting is synchronous).</summary>
    private static string Format(IMessage message)
    {
        var writer = summaryWriter ??= new StringWriter(new StringBuilder(256), CultureInfo.InvariantCulture);
        var text = writer.GetStringBuilder();
        text.Clear();
        try
        {
            Json.Format(message, writer);
            return text.ToString();
        }
        finally
        {
            if (text.Capacity > 16 * 1024)
            {
                // A huge request grew the buffer: let it go rather than keep it per thread.
                summaryWriter = null;
            }
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
