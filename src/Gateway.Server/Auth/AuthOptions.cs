namespace Gateway.Server.Auth;

internal sealed class AuthOptions
{
    public const string Section = "Gateway:Auth";

    /// <summary>Issuer URI put in tokens and discovery; must be the address agencies use.</summary>
    public string Issuer { get; set; } = "https://localhost:7443/";

    /// <summary>Audience of the access tokens the gateway issues and accepts.</summary>
    public string Audience { get; set; } = "gateway";

    /// <summary>Short-lived: a stolen token is also bound to a certificate, but revocation is by expiry.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>RSA certificate (PEM) whose key signs access tokens (RS256: cheap to validate on the hot path).</summary>
    public string SigningCertificate { get; set; } = "certs/dev/token-signing.crt";

    public string SigningKey { get; set; } = "certs/dev/token-signing.key";

    /// <summary>
    /// Key rollover: the previous signing certificates (and keys), still accepted for tokens they signed
    /// until those expire, never used to sign. Each must expire before the current one (checked at start),
    /// because OpenIddict signs with the valid certificate that expires last.
    /// </summary>
    public List<KeyFiles> PreviousSigningCertificates { get; set; } = [];

    /// <summary>RSA certificate (PEM) OpenIddict requires for encrypted token types; access tokens are signed, not encrypted.</summary>
    public string EncryptionCertificate { get; set; } = "certs/dev/token-encryption.crt";

    public string EncryptionKey { get; set; } = "certs/dev/token-encryption.key";
}

internal sealed class KeyFiles
{
    public string Certificate { get; set; } = "";

    public string Key { get; set; } = "";
}
