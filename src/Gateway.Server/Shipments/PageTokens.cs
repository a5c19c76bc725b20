using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Server.Shipments;

/// <summary>
/// Opaque keyset tokens for SearchShipments pages and ExportShipments batches:
/// base64url(version ‖ last shipment_id ‖ HMAC-SHA256(key, version ‖ agency ‖ filter hash ‖ last id)[..16]).
/// The agency and the filter are bound by the MAC, not carried: a token replayed by another agency,
/// with another filter, or altered in any byte is refused (INVALID_ARGUMENT) instead of silently
/// paging something else. Tampering could at worst move the caller within its own jurisdiction
/// (that is enforced by the SQL, not by the token), but the MAC keeps a client bug from turning
/// into silent gaps. Search and export tokens share the format: a search can be continued as an export.
/// </summary>
internal sealed class PageTokens
{
    public const int KeyBytes = 32;
    private const byte Version = 1;
    private const int MacBytes = 16;
    private static readonly byte[] DerivationInfo = Encoding.ASCII.GetBytes("gateway.v1 shipment page tokens");

    private readonly byte[] key;

    public PageTokens(byte[] key)
    {
        if (key.Length < KeyBytes)
        {
            throw new ArgumentException($"A page-token key needs at least {KeyBytes} bytes.", nameof(key));
        }

        this.key = key;
    }

    /// <summary>
    /// The key from Gateway:Shipments:PageTokenKey (base64, ≥ 32 bytes) or, when unset, derived (HKDF)
    /// from the token-signing key file — which every node of a deployment already shares — so tokens
    /// survive restarts and work across nodes without another secret to distribute.
    /// </summary>
    public static PageTokens FromConfiguration(IConfiguration configuration)
    {
        var configured = configuration["Gateway:Shipments:PageTokenKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PageTokens(Convert.FromBase64String(configured));
        }

        var signingKey = configuration["Gateway:Auth:SigningKey"] ?? "certs/dev/token-signing.key";
        var material = File.ReadAllBytes(Path.GetFullPath(signingKey));
        return new PageTokens(HKDF.DeriveKey(HashAlgorithmName.SHA256, material, KeyBytes, salt: [], info: DerivationInfo));
    }

    public string Encode(string agencyId, byte[] filterHash, string lastShipmentId)
    {
        var id = Encoding.UTF8.GetBytes(lastShipmentId);
        var token = new byte[1 + id.Length + MacBytes];
        token[0] = Version;
        id.CopyTo(token, 1);
        Mac(agencyId, filterHash, id).AsSpan(0, MacBytes).CopyTo(token.AsSpan(1 + id.Length));
        return Base64Url(token);
    }

    public bool TryDecode(string token, string agencyId, byte[] filterHash, out string lastShipmentId)
    {
        lastShipmentId = "";
        if (token.Length > 4 * ShipmentCriteria.MaxIdLength || !TryFromBase64Url(token, out var bytes)
            || bytes.Length < 1 + 1 + MacBytes || bytes[0] != Version)
        {
            return false;
        }

        var id = bytes.AsSpan(1, bytes.Length - 1 - MacBytes).ToArray();
        var expected = Mac(agencyId, filterHash, id).AsSpan(0, MacBytes);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(bytes.Length - MacBytes)))
        {
            return false;
        }

        lastShipmentId = Encoding.UTF8.GetString(id);
        return true;
    }

    private byte[] Mac(string agencyId, byte[] filterHash, byte[] id)
    {
        var agency = Encoding.UTF8.GetBytes(agencyId);
        // Length-prefixed fields: no two (agency, filter, id) triples share an encoding.
        using var buffer = new MemoryStream();
        buffer.WriteByte(Version);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { agency, filterHash, id })
        {
            BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
            buffer.Write(length);
            buffer.Write(part);
        }

        return HMACSHA256.HashData(key, buffer.ToArray());
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryFromBase64Url(string text, out byte[] bytes)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 += (base64.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        bytes = new byte[base64.Length];
        if (text.Length % 4 == 1 || !Convert.TryFromBase64String(base64, bytes, out var written))
        {
            bytes = [];
            return false;
        }

        bytes = bytes[..written];
        // Canonical form only: unused trailing bits must not give one token several spellings.
        return string.Equals(Base64Url(bytes), text, StringComparison.Ordinal);
    }
}
