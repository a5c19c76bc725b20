using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Server.Hosting;

/// <summary>
/// The agency CAs' certificate revocation lists (`Gateway:Tls:ClientCrl`, PEM or DER, several PEM
/// blocks allowed), checked at the TLS handshake. Revocation is checked offline against this file
/// only — the gateway never fetches CRL distribution points, so a CA outage or a hostile network
/// cannot slow or open the handshake — and the file is re-read when it changes, without restart.
///
/// Why parse it here: on Linux, X509Chain's offline revocation reads OpenSSL's CRL cache, not a CRL
/// we hand it, so the supported route is to verify the CRL's signature against the trusted CA and
/// compare serial numbers ourselves (RFC 5280 §5, with System.Formats.Asn1).
/// </summary>
internal sealed partial class ClientRevocationList(string? path, X509Certificate2Collection trustedCas, TimeProvider clock, ILogger<ClientRevocationList> log)
{
    private readonly Lock gate = new();
    private (DateTime Written, long Length) loadedVersion;
    private IReadOnlyList<Crl>? current;

    public bool Configured => !string.IsNullOrWhiteSpace(path);

    /// <returns>null when not revoked, else the reason to refuse.</returns>
    public string? Check(X509Certificate2 certificate)
    {
        if (!Configured)
        {
            return null;
        }

        var lists = Current();
        if (lists is null)
        {
            // Configured but never readable: fail closed, a revoked certificate must not slip in.
            return "revocation list unavailable";
        }

        var serial = Normalise(certificate.SerialNumberBytes.Span, bigEndian: true);
        foreach (var crl in lists)
        {
            if (crl.Issuer.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) && crl.RevokedSerials.Contains(serial))
            {
                return $"revoked (serial {serial}, CRL of {crl.Issuer.Name} issued {crl.ThisUpdate:O})";
            }
        }

        return null;
    }

    /// <summary>The lists in force, re-read when the file's time or size changes; the last good one is kept if a new file is bad.</summary>
    private IReadOnlyList<Crl>? Current()
    {
        var full = Path.GetFullPath(path!);
        var info = new FileInfo(full);
        var version = info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        lock (gate)
        {
            if (version == loadedVersion && current is not null)
            {
                return current;
            }

            try
            {
                var lists = Load(File.ReadAllBytes(full), trustedCas);
                current = lists;
                loadedVersion = version;
                var now = clock.GetUtcNow().UtcDateTime;
                foreach (var crl in lists)
                {
                    LogLoaded(crl.Issuer.Name, crl.RevokedSerials.Count, crl.ThisUpdate, crl.NextUpdate);
                    if (crl.NextUpdate < now)
                    {
                        LogStale(crl.Issuer.Name, crl.NextUpdate.Value);
                    }
                }
            }
            catch (Exception e) when (e is IOException or CryptographicException or AsnContentException or InvalidDataException or UnauthorizedAccessException)
            {
                // Remember the failed version so a bad file is not re-parsed on every handshake.
                loadedVersion = version;
                LogUnreadable(full, e.Message);
            }

            return current;
        }
    }

    internal sealed record Crl(X500DistinguishedName Issuer, DateTime ThisUpdate, DateTime? NextUpdate, IReadOnlySet<string> RevokedSerials);

    /// <summary>Parses PEM ("X509 CRL" blocks) or DER, and verifies each list's signature against a trusted CA of the same name.</summary>
    internal static List<Crl> Load(byte[] content, X509Certificate2Collection trustedCas)
    {
        var ders = new List<byte[]>();
        if (content.Length > 0 && content[0] == 0x30)
        {
            ders.Add(content);
        }
        else
        {
            ReadOnlySpan<char> text = System.Text.Encoding.ASCII.GetString(content);
            while (PemEncoding.TryFind(text, out var fields))
            {
                if (text[fields.Label].SequenceEqual("X509 CRL"))
                {
                    ders.Add(Convert.FromBase64String(text[fields.Base64Data].ToString()));
                }

                text = text[fields.Location.End..];
            }
        }

        if (ders.Count == 0)
        {
            throw new InvalidDataException("no CRL found in the file");
        }

        return [.. ders.Select(der => Parse(der, trustedCas))];
    }

    internal static Crl Parse(byte[] der, X509Certificate2Collection trustedCas)
    {
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbsBytes = outer.ReadEncodedValue();
        var algorithm = outer.ReadSequence().ReadObjectIdentifier();
        var signature = outer.ReadBitString(out _);

        var tbs = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger(); // version v2
        }

        tbs.ReadSequence(); // signature algorithm (repeated inside)
        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        var thisUpdate = ReadTime(tbs);
        DateTime? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(Normalise(entry.ReadIntegerBytes().Span, bigEndian: true));
            }
        }

        var ca = trustedCas.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(issuer.RawData))
            ?? throw new CryptographicException($"CRL issuer {issuer.Name} is not a trusted client CA");
        if (!Verify(ca, algorithm, tbsBytes.Span, signature))
        {
            throw new CryptographicException($"CRL of {issuer.Name}: bad signature");
        }

        return new Crl(issuer, thisUpdate, nextUpdate, revoked);
    }

    private static bool Verify(X509Certificate2 ca, string algorithm, ReadOnlySpan<byte> tbs, byte[] signature)
    {
        var hash = algorithm switch
        {
            "1.2.840.10045.4.3.2" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
            _ => throw new CryptographicException($"unsupported CRL signature algorithm {algorithm}"),
        };
        using var ecdsa = ca.GetECDsaPublicKey();
        if (ecdsa is not null && algorithm.StartsWith("1.2.840.10045.", StringComparison.Ordinal))
        {
            return ecdsa.VerifyData(tbs, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        using var rsa = ca.GetRSAPublicKey();
        if (rsa is not null && algorithm.StartsWith("1.2.840.113549.", StringComparison.Ordinal))
        {
            return rsa.VerifyData(tbs, signature, hash, RSASignaturePadding.Pkcs1);
        }

        return false;
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTime ReadTime(AsnReader reader) =>
        (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime()).UtcDateTime;

    /// <summary>Serial as upper-case hex without leading zero bytes: the same serial compares equal however it was encoded.</summary>
    private static string Normalise(ReadOnlySpan<byte> serial, bool bigEndian)
    {
        var value = new BigInteger(serial, isUnsigned: true, isBigEndian: bigEndian);
        return value.ToString("X", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0') is { Length: > 0 } hex ? hex : "0";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client CRL of {Issuer} loaded: {Count} revoked, issued {ThisUpdate:O}, next update {NextUpdate:O}")]
    private partial void LogLoaded(string issuer, int count, DateTime thisUpdate, DateTime? nextUpdate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client CRL of {Issuer} is past its next update ({NextUpdate:O}): still enforced; publish a fresh one")]
    private partial void LogStale(string issuer, DateTime nextUpdate);

    [LoggerMessage(Level = LogLevel.Error, Message = "Client CRL {Path} cannot be used ({Reason}): the last good list stays in force (none: every client is refused)")]
    private partial void LogUnreadable(string path, string reason);
}
