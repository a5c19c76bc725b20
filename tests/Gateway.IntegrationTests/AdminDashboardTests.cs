using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Server.Hosting;

namespace Gateway.IntegrationTests;

/// <summary>The admin port exposed with an operator credential (PBKDF2 hash in the settings).</summary>
public sealed class CredentialGateway : GatewayServer
{
    public static readonly string Hash = AdminCredential.Hash("correct horse battery staple", iterations: 1000);

    protected override IEnumerable<string> AdditionalArgs() => ["--Gateway:Admin:Username=ops", $"--Gateway:Admin:PasswordHash={Hash}"];
}

/// <summary>Default: no credential, the dashboard answers loopback callers on the admin port only.</summary>
public sealed class AdminDashboardDefaultTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task Without_a_credential_a_loopback_caller_reaches_the_dashboard_and_health_on_the_admin_port_only()
    {
        using var http = new HttpClient();
        var dashboard = await http.GetAsync(new Uri($"http://127.0.0.1:{gateway.AdminPort}/hangfire"));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Gateway jobs", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{gateway.AdminPort}/healthz"))).StatusCode);
    }
}

public sealed class AdminDashboardCredentialTests(CredentialGateway gateway) : IClassFixture<CredentialGateway>
{
    private async Task<HttpResponseMessage> GetDashboard(string? user, string? password)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{gateway.AdminPort}/hangfire"));
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        return await http.SendAsync(request);
    }

    [Fact]
    public async Task With_a_credential_the_dashboard_needs_it_even_from_loopback_and_health_stays_open()
    {
        var none = await GetDashboard(null, null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("Basic", none.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetDashboard("ops", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetDashboard("root", "correct horse battery staple")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetDashboard("ops", "correct horse battery staple")).StatusCode);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{gateway.AdminPort}/healthz"))).StatusCode);
        Assert.True(gateway.Logged("Admin credential refused"));
    }

    [Fact]
    public void The_hash_format_verifies_only_the_right_password()
    {
        Assert.True(AdminCredential.Verify("correct horse battery staple", CredentialGateway.Hash));
        Assert.False(AdminCredential.Verify("Correct horse battery staple", CredentialGateway.Hash));
        Assert.False(AdminCredential.Verify("correct horse battery staple", "plain-text-password"));
        Assert.NotEqual(CredentialGateway.Hash, AdminCredential.Hash("correct horse battery staple", iterations: 1000));
    }
}
