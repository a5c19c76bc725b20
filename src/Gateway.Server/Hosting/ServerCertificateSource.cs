using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Server.Hosting;

/// <summary>
/// The server's own certificate, re-read when its files change: a renewed certificate is presented on
/// the next handshake with no restart, while connections already open keep the one they negotiated.
/// A half-written or mismatched pair (certificate and key replaced one after the other) is not used:
/// the previous certificate stays until both files load together.
/// </summary>
internal sealed partial class ServerCertificateSource(string certificatePath, string keyPath, ILogger<ServerCertificateSource> log)
{
    private readonly Lock gate = new();
    private (DateTime, long, DateTime, long) loadedVersion;
    private X509Certificate2? current;

    public X509Certificate2 Current
    {
        get
        {
            var version = Version();
            lock (gate)
            {
                if (current is not null && version == loadedVersion)
                {
                    return current;
                }

                try
                {
                    var loaded = PemFiles.LoadCertificateWithKey(certificatePath, keyPath);
                    if (current is not null)
                    {
                        LogReloaded(loaded.Subject, loaded.Thumbprint, loaded.NotAfter);
                    }

                    // The old certificate is not disposed: handshakes in progress may still use it.
                    current = loaded;
                }
                catch (Exception e) when (current is not null && e is CryptographicException or IOException or ArgumentException)
                {
                    LogReloadFailed(e.Message);
                }

                loadedVersion = version;
                return current;
            }
        }
    }

    private (DateTime, long, DateTime, long) Version()
    {
        var certificate = new FileInfo(Path.GetFullPath(certificatePath));
        var key = new FileInfo(Path.GetFullPath(keyPath));
        return (certificate.Exists ? certificate.LastWriteTimeUtc : default, certificate.Exists ? certificate.Length : 0,
            key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Server certificate reloaded: {Subject} ({Thumbprint}), valid until {NotAfter:O}")]
    private partial void LogReloaded(string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server certificate files changed but cannot be loaded ({Reason}); the previous certificate stays in use")]
    private partial void LogReloadFailed(string reason);
}
