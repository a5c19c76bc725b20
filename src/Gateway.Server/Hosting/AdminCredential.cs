using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Hosting;

internal sealed class AdminOptions
{
    public const string Section = "Gateway:Admin";

    /// <summary>Operator user name for the dashboard (HTTP Basic). Empty: no credential; the dashboard then answers loopback callers only.</summary>
    public string Username { get; set; } = "";

    /// <summary>"PBKDF2-SHA256$iterations$salt(base64)$hash(base64)" — never the password itself (docs/operations.md shows how to make one).</summary>
    public string PasswordHash { get; set; } = "";

    public bool CredentialConfigured => Username.Length > 0 && PasswordHash.Length > 0;
}

/// <summary>
/// Protects the admin port's operator pages (the Hangfire dashboard). The admin port binds loopback
/// by default, and the dashboard then trusts loopback callers only (Hangfire's local-requests filter).
/// Once the operator exposes it they configure a credential, checked here with HTTP Basic against a
/// PBKDF2 hash (a leaked settings file gives no password; the comparison is constant-time). A
/// non-loopback admin address without a credential keeps the dashboard loopback-only and says so
/// at start-up. /healthz stays open: it reveals nothing and load balancers probe it.
/// </summary>
internal sealed partial class AdminCredential(RequestDelegate next, IOptions<AdminOptions> options, ILogger<AdminCredential> log)
{
    public const string Scheme = "PBKDF2-SHA256";

    public Task InvokeAsync(HttpContext http)
    {
        var settings = options.Value;
        if (!settings.CredentialConfigured || !http.Request.Path.StartsWithSegments(AdminPort.HangfirePath)
            || Authorised(http.Request.Headers.Authorization.ToString(), settings))
        {
            return next(http);
        }

        LogRefused(http.Connection.RemoteIpAddress?.ToString() ?? "", http.Request.Path.Value ?? "");
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"gateway-admin\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }

    private static bool Authorised(string header, AdminOptions settings)
    {
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var userMatches = CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(decoded[..colon]), Encoding.UTF8.GetBytes(settings.Username));
        // Always derive, so a wrong user name costs as much time as a wrong password.
        return Verify(decoded[(colon + 1)..], settings.PasswordHash) && userMatches;
    }

    /// <summary>A new hash for <paramref name="password"/> in the PasswordHash format.</summary>
    public static string Hash(string password, int iterations = 210_000)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin credential refused for {Remote} on {Path}")]
    private partial void LogRefused(string remote, string path);
}

internal static partial class AdminCredentialSetup
{
    public static IServiceCollection AddAdminCredential(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AdminOptions>(configuration.GetSection(AdminOptions.Section));
        return services;
    }

    /// <summary>Before the dashboard. Warns when the admin port is exposed without a credential.</summary>
    public static WebApplication UseAdminCredential(this WebApplication app)
    {
        var admin = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value;
        var listen = app.Services.GetRequiredService<IOptions<ListenOptions>>().Value;
        if (!admin.CredentialConfigured && IPAddress.TryParse(listen.AdminAddress, out var address) && !IPAddress.IsLoopback(address))
        {
            LogExposedWithoutCredential(app.Logger, listen.AdminAddress);
        }

        app.UseMiddleware<AdminCredential>();
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin port bound to {Address} without Gateway:Admin credential: the jobs dashboard answers loopback callers only")]
    private static partial void LogExposedWithoutCredential(ILogger logger, string address);
}
