using Grpc.Core;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Gateway.Server.Audit;

/// <summary>
/// Records every answer of the token endpoint — issued, invalid_client, invalid_scope… — just before
/// OpenIddict writes it. A token is not issued unless its record is durable: if the audit cannot be
/// written the answer becomes temporarily_unavailable (HTTP 503) and the token is dropped.
/// Status codes use gRPC's numbering so one column reads the same for every record (see docs/audit.md).
/// </summary>
internal sealed class AuditTokenRequests(AuditWriter writer, AuditEntries entries) : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<AuditTokenRequests>()
            // Before the ASP.NET Core handlers set the HTTP status and write the body.
            .SetOrder(OpenIddictServerAspNetCoreHandlers.AttachHttpResponseCode<ApplyTokenResponseContext>.Descriptor.Order - 1000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (!writer.Enabled || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        var error = context.Response.Error;
        var clientId = context.Request?.ClientId ?? "";
        var status = error switch
        {
            null => StatusCode.OK,
            Errors.InvalidClient => StatusCode.Unauthenticated,
            Errors.InvalidScope or Errors.UnauthorizedClient or Errors.AccessDenied => StatusCode.PermissionDenied,
            Errors.ServerError => StatusCode.Internal,
            _ => StatusCode.InvalidArgument,
        };
        var summary = $"grant_type={context.Request?.GrantType}; scope={context.Request?.Scope}" + (error is null ? "" : $"; error={error}");
        var record = entries.Base(http, $"{http.Request.Method} {http.Request.Path}", (int)status) with
        {
            // The client is authenticated by its certificate before scopes are checked: only
            // invalid_client leaves it unidentified.
            AgencyId = error == Errors.InvalidClient ? "" : AuditEntries.Cut(clientId, 64),
            ClientId = AuditEntries.Cut(clientId, 128),
            RequestSummary = AuditEntries.Cut(summary, 2000),
        };

        try
        {
            await writer.AppendAsync(record);
        }
        catch (AuditUnavailableException)
        {
            context.Response = new OpenIddictResponse
            {
                Error = Errors.TemporarilyUnavailable,
                ErrorDescription = "The audit log cannot be written; no token was issued.",
            };
        }
    }
}
