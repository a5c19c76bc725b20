using System.Security.Cryptography.X509Certificates;

namespace Gateway.Server.Hosting;

internal static class PemFiles
{
    public static X509Certificate2 LoadCertificateWithKey(string certificatePath, string keyPath)
    {
        var certificate = X509Certificate2.CreateFromPemFile(Path.GetFullPath(certificatePath), Path.GetFullPath(keyPath));
        // Re-import as PKCS#12 so the private key is usable by SslStream and by token signing alike.
        var exported = certificate.Export(X509ContentType.Pkcs12);
        certificate.Dispose();
        return X509CertificateLoader.LoadPkcs12(exported, password: null, X509KeyStorageFlags.Exportable);
    }

    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(Path.GetFullPath(path));
        if (collection.Count == 0)
        {
            throw new InvalidOperationException($"No certificate found in {path}.");
        }

        return collection;
    }
}
