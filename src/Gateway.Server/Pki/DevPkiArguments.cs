namespace Gateway.Server.Pki;

/// <summary>
/// The configuration that points a gateway at a dev PKI folder (see <see cref="DevPki.Create"/>), its two
/// ports and a database: one list for every test fixture, child process and benchmark that starts one.
/// </summary>
internal static class DevPkiArguments
{
    public static string[] For(string pki, int port, int adminPort, string provider, string connectionString) =>
    [
        $"--Gateway:Listen:Port={port}", $"--Gateway:Listen:AdminPort={adminPort}",
        $"--Gateway:Tls:ServerCertificate={pki}/server.crt", $"--Gateway:Tls:ServerKey={pki}/server.key",
        $"--Gateway:Tls:ClientCaBundle={pki}/ca.crt", $"--Gateway:Auth:Issuer=https://localhost:{port}/",
        $"--Gateway:Auth:SigningCertificate={pki}/token-signing.crt", $"--Gateway:Auth:SigningKey={pki}/token-signing.key",
        $"--Gateway:Auth:EncryptionCertificate={pki}/token-encryption.crt", $"--Gateway:Auth:EncryptionKey={pki}/token-encryption.key",
        $"--Gateway:Storage:Provider={provider}", $"--Gateway:Storage:ConnectionString={connectionString}",
        $"--Gateway:Dev:PkiDirectory={pki}", "--Gateway:Dev:BootstrapOnFirstRun=true",
    ];
}
