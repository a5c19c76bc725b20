using Microsoft.Extensions.Options;

namespace Gateway.Server.Hosting;

/// <summary>
/// Keeps the two ports apart: admin paths answer only on the admin port, and nothing but admin paths
/// answers there (no gRPC without client certificates through the back door).
/// </summary>
internal static class AdminPort
{
    public const string HealthPath = "/healthz";

    /// <summary>The Hangfire dashboard (Jobs/JobsSetup.cs).</summary>
    public const string HangfirePath = "/hangfire";

    private static readonly PathString[] AdminPaths = [HealthPath, HangfirePath];

    public static IApplicationBuilder UseAdminPortSeparation(this IApplicationBuilder app)
    {
        var adminPort = app.ApplicationServices.GetRequiredService<IOptions<ListenOptions>>().Value.AdminPort;
        // Not async: a pass-through that awaited `next` would add a state machine to every call that waits (audit).
        return app.Use((context, next) =>
        {
            var onAdminPort = context.Connection.LocalPort == adminPort;
            var adminPath = AdminPaths.Any(path => context.Request.Path.StartsWithSegments(path));
            if (onAdminPort != adminPath)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }
}
