using Gateway.Server.Admin;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.IntegrationTests;

/// <summary>
/// The gateway reads its settings files once. Reloading them on change would watch the executable's folder and all
/// below it, and a data folder installed there woke that watcher on every database write (GatewayApp.NoConfigurationReload).
/// </summary>
public sealed class ConfigurationReloadTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public void The_gateway_reads_its_settings_files_without_watching_them()
    {
        var files = FileProviders((IConfigurationRoot)gateway.Services.GetRequiredService<IConfiguration>());

        Assert.Contains(files, p => p.Source.Path == "appsettings.json");
        Assert.All(files, p => Assert.False(p.Source.ReloadOnChange, $"{p.Source.Path} is watched"));
    }

    [Fact]
    public void The_admin_commands_read_the_settings_files_without_watching_them()
    {
        using var host = AdminHost.Create([$"--Gateway:Storage:ConnectionString=Data Source={Path.Combine(gateway.Root, "admin-check.db")}"]);
        var files = FileProviders((IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>());

        Assert.Contains(files, p => p.Source.Path == "appsettings.json");
        Assert.All(files, p => Assert.False(p.Source.ReloadOnChange, $"{p.Source.Path} is watched"));
    }

    private static List<FileConfigurationProvider> FileProviders(IConfigurationRoot configuration) =>
        [.. configuration.Providers.OfType<FileConfigurationProvider>()];
}
