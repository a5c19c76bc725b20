using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Auth;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Gateway.Server.Grpc;

/// <summary>
/// Runs after authentication and the scope policy, before any feature code: resolves the agency
/// from the token, refuses it at once when suspended (its tokens stay cryptographically valid until
/// they expire, so this check is what makes suspension immediate), checks the connection's
/// certificate still has the registered subject, and validates the request envelope
/// (legal basis and case reference).
/// </summary>
internal sealed partial class CallerInterceptor(AgencyStore agencies, ILogger<CallerInterceptor> log) : Interceptor
{
    public const int MaxCaseReferenceLength = 64;
    public const int MaxLegalBasisLength = 256;
    public const int MaxOfficerIdLength = 128;
    public const int MaxStatementLength = 4000;

    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor?> ContextFields = new();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await ResolveAsync(request, context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await ResolveAsync(request, context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await ResolveAsync<TRequest>(default, context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await ResolveAsync<TRequest>(default, context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task ResolveAsync<TRequest>(TRequest? request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (!http.User.Identity?.IsAuthenticated ?? true)
        {
            // Health and reflection are the only services without a scope; they need no caller.
            return;
        }

        var agencyId = http.User.GetAgencyId()
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "The access token names no agency."));
        var agency = await agencies.FindAsync(agencyId, context.CancellationToken);
        if (agency is null || !agency.IsActive)
        {
            LogSuspendedRefused(agencyId, context.Method);
            throw RpcErrors.PermissionDenied($"Agency '{agencyId}' is suspended or no longer registered.", "AGENCY_SUSPENDED", agencyId);
        }

        var certificate = http.Connection.ClientCertificate;
        if (certificate is null || !CertificateSubjects.Matches(certificate, agency.CertificateSubject))
        {
            // Defence in depth: the token's cnf already pins the certificate; this also catches a
            // registry change of subject (e.g. after a key compromise) before old tokens expire.
            LogSubjectMismatch(agencyId, certificate?.Subject ?? "-");
            throw RpcErrors.PermissionDenied("The client certificate is not the one registered for this agency.", "CERTIFICATE_SUBJECT_MISMATCH");
        }

        RequestContext? envelope = null;
        if (request is IMessage message && ContextField(message.Descriptor) is { } field)
        {
            envelope = field.Accessor.GetValue(message) as RequestContext;
            Validate(envelope);
        }

        var thumbprint = CertificateSubjects.Thumbprint(certificate);
        http.Features.Set(new Caller(agency, envelope, thumbprint));
    }

    /// <summary>Every agency and investigator request carries `RequestContext context = 1`.</summary>
    private static FieldDescriptor? ContextField(MessageDescriptor descriptor) =>
        ContextFields.GetOrAdd(descriptor, d =>
            d.FindFieldByNumber(1) is { FieldType: FieldType.Message } f && f.MessageType == RequestContext.Descriptor ? f : null);

    internal static void Validate(RequestContext? envelope)
    {
        var violations = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(envelope?.LegalBasis))
        {
            violations.Add(("context.legal_basis", "A legal basis is required (e.g. \"EU 608/2013 art. 17\")."));
        }
        else if (envelope.LegalBasis.Length > MaxLegalBasisLength)
        {
            violations.Add(("context.legal_basis", $"At most {MaxLegalBasisLength} characters."));
        }

        if (string.IsNullOrWhiteSpace(envelope?.CaseReference))
        {
            violations.Add(("context.case_reference", "A case reference is required."));
        }
        else if (envelope.CaseReference.Length > MaxCaseReferenceLength)
        {
            violations.Add(("context.case_reference", $"At most {MaxCaseReferenceLength} characters."));
        }

        if (envelope?.OfficerId.Length > MaxOfficerIdLength)
        {
            violations.Add(("context.officer_id", $"At most {MaxOfficerIdLength} characters."));
        }

        if (envelope?.StatementOfReasons.Length > MaxStatementLength)
        {
            violations.Add(("context.statement_of_reasons", $"At most {MaxStatementLength} characters."));
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The request context is incomplete or invalid.", [.. violations]);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {Method} refused: agency {AgencyId} is suspended or unknown")]
    private partial void LogSuspendedRefused(string agencyId, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call refused: agency {AgencyId} presented certificate {Subject}, not its registered subject")]
    private partial void LogSubjectMismatch(string agencyId, string subject);
}
