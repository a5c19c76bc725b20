namespace Gateway.Server.Hosting;

internal sealed class DevOptions
{
    public const string Section = "Gateway:Dev";

    /// <summary>
    /// On a machine with no PKI and an empty database, create the dev PKI, the demo agencies and a small
    /// demo data set so that one command gives a working gateway. Turn off in production.
    /// </summary>
    public bool BootstrapOnFirstRun { get; set; } = true;

    public string PkiDirectory { get; set; } = "certs/dev";
}
