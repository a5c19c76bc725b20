using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Contracts.V1;
using Grpc.Core;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests;

/// <summary>
/// Mid-rollover configuration: a new token signing certificate (expiring later) is current, and the
/// dev PKI's original one is listed as previous.
/// </summary>
public sealed class RolloverGateway : GatewayServer
{
    public string NewSigning => Path.Combine(Root, "token-signing-2");

    protected override IEnumerable<string> AdditionalArgs()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Gateway token signing 2", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(3));
        File.WriteAllText(NewSigning + ".crt", certificate.ExportCertificatePem());
        File.WriteAllText(NewSigning + ".key", key.ExportPkcs8PrivateKeyPem());
        return
        [
            $"--Gateway:Auth:SigningCertificate={NewSigning}.crt",
            $"--Gateway:Auth:SigningKey={NewSigning}.key",
            $"--Gateway:Auth:PreviousSigningCertificates:0:Certificate={Pki}/token-signing.crt",
            $"--Gateway:Auth:PreviousSigningCertificates:0:Key={Pki}/token-signing.key",
        ];
    }
}

/// <summary>The token signing key is rolled over without breaking live clients: new tokens use the new key, tokens of the old key stay valid until they expire.</summary>
public sealed class SigningKeyRolloverTests(RolloverGateway gateway) : IClassFixture<RolloverGateway>
{
    [Fact]
    public async Task New_tokens_are_signed_with_the_new_key_and_tokens_of_the_previous_key_still_work()
    {
        using var fr = gateway.Connect("fr-customs");
        var token = (await fr.RequestTokenAsync()).AccessToken!;
        var parts = token.Split('.');
        using var newCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(gateway.NewSigning + ".crt"));
        using var oldCertificate = Gateway.Server.Hosting.PemFiles.LoadCertificateWithKey(Path.Combine(gateway.Pki, "token-signing.crt"), Path.Combine(gateway.Pki, "token-signing.key"));
        Assert.True(Verify(newCertificate, parts), "the current key signs");
        Assert.False(Verify(oldCertificate, parts));

        // A token as the gateway issued it before the rollover: same claims, signed by the old key with its key id.
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
        header["kid"] = Kid(oldCertificate, newCertificate, header["kid"]?.GetValue<string>());
        header.Remove("x5t");
        var signedPart = Base64UrlEncoder.Encode(header.ToJsonString()) + "." + parts[1];
        using var oldKey = oldCertificate.GetRSAPrivateKey()!;
        var oldToken = signedPart + "." + Base64UrlEncoder.Encode(oldKey.SignData(Encoding.ASCII.GetBytes(signedPart), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        using var oldChannel = fr.CreateChannel(_ => Task.FromResult<string?>(oldToken));
        Assert.Equal("FR", (await new ShipmentService.ShipmentServiceClient(oldChannel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);
        using var newChannel = fr.CreateChannel(_ => Task.FromResult<string?>(token));
        Assert.Equal("FR", (await new ShipmentService.ShipmentServiceClient(newChannel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);

        // A key that is neither current nor previous is refused (the control for the above).
        using var strangerKey = RSA.Create(2048);
        var forged = signedPart + "." + Base64UrlEncoder.Encode(strangerKey.SignData(Encoding.ASCII.GetBytes(signedPart), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        using var forgedChannel = fr.CreateChannel(_ => Task.FromResult<string?>(forged));
        var e = await Assert.ThrowsAsync<RpcException>(() => new ShipmentService.ShipmentServiceClient(forgedChannel).GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    /// <summary>The old key's id, derived the way the gateway derived the new key's id from its certificate.</summary>
    private static string? Kid(X509Certificate2 old, X509Certificate2 current, string? currentKid)
    {
        if (currentKid is null)
        {
            return null;
        }

        if (currentKid == current.Thumbprint)
        {
            return old.Thumbprint;
        }

        var currentKey = new X509SecurityKey(current);
        Assert.Equal(currentKid, currentKey.KeyId);
        return new X509SecurityKey(old).KeyId;
    }

    private static bool Verify(X509Certificate2 certificate, string[] parts)
    {
        using var rsa = certificate.GetRSAPublicKey()!;
        return rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64UrlEncoder.DecodeBytes(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
