using System.Security.Cryptography.X509Certificates;

namespace Gateway.Server.Agencies;

/// <summary>
/// Agencies are bound to their certificate's subject distinguished name, not to one certificate:
/// a renewed certificate from the agency CA with the same subject keeps working without re-registration,
/// while the CA bundle decides who may present that subject at all.
/// </summary>
internal static class CertificateSubjects
{
    /// <summary>
    /// Canonical text form of a DN, so "CN=a, O=b" and "CN=a,O=b" compare equal. (.Name, not Format():
    /// Format prints the encoded order, which does not survive a second parse.)
    /// </summary>
    public static string Normalise(string distinguishedName) =>
        // Cached: the caller interceptor compares on every call, and the registered subjects are few.
        Normalised.GetOrAdd(distinguishedName, static dn =>
            // Re-decoded from DER: a name built from a string keeps that string's spacing verbatim.
            new X500DistinguishedName(new X500DistinguishedName(dn).RawData).Name);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Normalised = new(StringComparer.Ordinal);

    public static string Of(X509Certificate2 certificate) => certificate.SubjectName.Name;

    public static bool Matches(X509Certificate2 certificate, string registeredSubject) =>
        string.Equals(Of(certificate), Normalise(registeredSubject), StringComparison.Ordinal);

    /// <summary>
    /// SHA-256 of the certificate (lower-case hex), as the audit log records it. Computed once per
    /// certificate object: a connection presents the same object for every call it carries.
    /// </summary>
    public static string Thumbprint(X509Certificate2 certificate) =>
        Thumbprints.GetValue(certificate, static c => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(c.RawDataMemory.Span)));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, string> Thumbprints = [];
}
