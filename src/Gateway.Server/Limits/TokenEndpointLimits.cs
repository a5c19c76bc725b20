using System.Globalization;
using System.Threading.RateLimiting;
using Gateway.Server.Agencies;
using Gateway.Server.Audit;
using Gateway.Server.Auth;
using Grpc.Core;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Limits;

/// <summary>
/// Rate limit of <c>/connect/token</c>, per client certificate subject. The per-agency limiter of the
/// gRPC calls (<see cref="AgencyLimiter"/>) needs a token to know the agency; the token endpoint comes
/// before that, and every request there costs a certificate chain build, an agency lookup, an RSA
/// signature and a durable audit record. A holder of a valid certificate (a leaked agency key, a
/// client stuck in a loop) could hammer it; the handshake is the only check in front of it.
/// Partitioned by the subject rather than the client_id form field: the subject is what the handshake
/// proved, while client_id is whatever the caller typed (and reading the form costs before refusing).
/// </summary>
internal static partial class TokenEndpointLimits
{
    private static readonly PathString TokenPath = "/" + AuthSetup.TokenEndpoint;

    public static IServiceCollection AddTokenEndpointLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((limiter, limits) =>
        {
            var settings = limits.Value.TokenEndpoint;
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, settings.Burst),
                TokensPerPeriod = Math.Max(1, settings.RequestsPerPeriod),
                ReplenishmentPeriod = settings.ReplenishmentPeriod,
                QueueLimit = 0, // refuse at once: queueing would hold the attacker's connections open for them
                AutoReplenishment = true,
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionKey(http), _ => bucket));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, cancellationToken) => RefuseAsync(context, settings, cancellationToken);
        });
        return services;
    }

    /// <summary>Only the token endpoint goes through the limiter: gRPC calls have their own, and pay nothing here.</summary>
    public static WebApplication UseTokenEndpointLimits(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.Equals(TokenPath, StringComparison.Ordinal), branch => branch.UseRateLimiter());
        return app;
    }

    // The handshake requires a certificate, so "" (none) only happens on a misconfigured listener.
    private static string PartitionKey(HttpContext http) =>
        http.Connection.ClientCertificate is { } certificate ? CertificateSubjects.Of(certificate) : "";

    private static async ValueTask RefuseAsync(OnRejectedContext context, TokenEndpointLimitOptions settings, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : settings.ReplenishmentPeriod;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        var services = http.RequestServices;
        var subject = PartitionKey(http);
        LogRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TokenEndpointLimits)), subject, seconds);

        // Audited like every other answer of the token endpoint (AuditTokenRequests never sees this one:
        // OpenIddict is not reached). No agency: the client is not authenticated yet; the certificate
        // thumbprint and subject say who it was.
        var writer = services.GetRequiredService<AuditWriter>();
        if (writer.Enabled)
        {
            var record = services.GetRequiredService<AuditEntries>().Base(http, $"{http.Request.Method} {http.Request.Path}", (int)StatusCode.ResourceExhausted) with
            {
                RequestSummary = AuditEntries.Cut($"rate limited; subject={subject}; retry_after={seconds}s", 2000),
            };
            try
            {
                await writer.AppendAsync(record);
            }
            catch (AuditUnavailableException)
            {
                // Refused either way; the 429 carries nothing to hold back.
            }
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(
            """{"error":"temporarily_unavailable","error_description":"Too many token requests for this certificate; retry later."}""",
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token request refused: rate limit of certificate {Subject} exceeded; retry after {Seconds} s")]
    private static partial void LogRefused(ILogger logger, string subject, int seconds);
}
