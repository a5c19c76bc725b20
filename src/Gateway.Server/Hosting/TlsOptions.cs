namespace Gateway.Server.Hosting;

internal sealed class TlsOptions
{
    public const string Section = "Gateway:Tls";

    /// <summary>Server certificate and key (PEM) presented on the gRPC / token port.</summary>
    public string ServerCertificate { get; set; } = "certs/dev/server.crt";

    public string ServerKey { get; set; } = "certs/dev/server.key";

    /// <summary>PEM bundle of the CAs that issue agency and platform certificates: the only roots trusted for clients.</summary>
    public string ClientCaBundle { get; set; } = "certs/dev/ca.crt";

    /// <summary>
    /// Optional CRL file (PEM or DER; several PEM blocks for several CAs) from the agency CAs, re-read
    /// when it changes. Empty: no revocation check (the CA bundle alone decides).
    /// </summary>
    public string ClientCrl { get; set; } = "";
}

internal sealed class ListenOptions
{
    public const string Section = "Gateway:Listen";

    /// <summary>Address of the mTLS port (gRPC + token endpoint). Use 0.0.0.0 to accept remote agencies.</summary>
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 7443;

    /// <summary>Admin port (health, later the dashboard and metrics). Always plain HTTP on loopback unless AdminAddress says otherwise.</summary>
    public string AdminAddress { get; set; } = "127.0.0.1";

    public int AdminPort { get; set; } = 7080;
}
