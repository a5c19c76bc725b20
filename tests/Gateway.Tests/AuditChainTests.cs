using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Server.Audit;

namespace Gateway.Tests;

/// <summary>The canonical encoding and the offline chain verification, independent of any database.</summary>
public sealed class AuditChainTests : IDisposable
{
    private readonly RSA key = RSA.Create(2048);
    private const string KeyId = "test-key";

    [Fact]
    public void The_encoding_is_length_prefixed_utf8_in_a_fixed_order_so_a_third_party_can_reimplement_it()
    {
        var record = Record(1, "");
        var bytes = AuditCanonical.RecordBytes(record);

        // Re-implemented here from docs/audit.md, independently of AuditCanonical.Encode.
        using var expected = new MemoryStream();
        foreach (var field in new[]
        {
            "gateway.audit.record.v1", "1", "2026-03-01T10:20:30.123456Z", "fr-customs", "fr-customs", "ab12", "officer-7",
            "/gateway.v1.ShipmentService/GetShipment", "EU 608/2013 art. 17", "FR-1", "Soupçon", "{\"trackingNumber\":\"LX1\"}",
            "0", "1", "d1", "",
        })
        {
            var utf8 = Encoding.UTF8.GetBytes(field);
            expected.Write([(byte)(utf8.Length >> 24), (byte)(utf8.Length >> 16), (byte)(utf8.Length >> 8), (byte)utf8.Length]);
            expected.Write(utf8);
        }

        Assert.Equal(expected.ToArray(), bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), AuditCanonical.Hash(record));
    }

    [Theory]
    [InlineData("", "", -1, 0L)]
    [InlineData("Soupçon — 偽物 🕵", "\uD800 lone high surrogate", 16, long.MaxValue)]
    [InlineData("x", "\uDC00\uD800 reversed pair", int.MaxValue, 1L)]
    public void The_writers_encoder_produces_the_documented_bytes_for_awkward_values(string reasons, string summary, int status, long returned)
    {
        // The writer hashes and binds from AuditRecordEncoder's buffer; the documented rule is
        // AuditCanonical.Encode over the fields as text. Both must give the same bytes, for every value.
        var record = Record(long.MaxValue, new string('f', 64)) with
        {
            Time = new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990),
            StatementOfReasons = reasons,
            RequestSummary = summary + new string('é', 3000),
            StatusCode = status,
            RecordsReturned = returned,
            OfficerId = "",
        };
        var documented = AuditCanonical.Encode(
            "gateway.audit.record.v1", record.Sequence.ToString(CultureInfo.InvariantCulture), "1999-12-31T23:59:59.999999Z",
            record.AgencyId, record.ClientId, record.CertificateThumbprint, record.OfficerId, record.Rpc, record.LegalBasis,
            record.CaseReference, record.StatementOfReasons, record.RequestSummary, status.ToString(CultureInfo.InvariantCulture),
            returned.ToString(CultureInfo.InvariantCulture), record.RecordsDigest, record.PreviousHash);

        var encoder = new AuditRecordEncoder();
        encoder.Encode(Record(1, "") with { RequestSummary = new string('z', 5000) });  // a longer record first: the buffer is reused
        encoder.Encode(record);
        Assert.Equal(documented, encoder.Bytes.ToArray());
        Assert.Equal(Encoding.UTF8.GetBytes(record.RequestSummary), encoder[AuditRecordEncoder.Field.RequestSummary].ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(documented)), encoder.Hash());
        Assert.Equal(documented, AuditCanonical.RecordBytes(record));
    }

    [Fact]
    public void Length_prefixes_make_shifted_field_boundaries_hash_differently()
    {
        var a = Record(1, "") with { AgencyId = "ab", ClientId = "c" };
        var b = Record(1, "") with { AgencyId = "a", ClientId = "bc" };
        Assert.NotEqual(AuditCanonical.Hash(a), AuditCanonical.Hash(b));
    }

    [Fact]
    public void The_digest_of_returned_ids_depends_on_ids_and_order_and_is_empty_for_none()
    {
        Assert.Equal("", AuditCanonical.RecordsDigest([]));
        Assert.NotEqual(AuditCanonical.RecordsDigest(["a", "b"]), AuditCanonical.RecordsDigest(["b", "a"]));
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(AuditCanonical.Encode("gateway.audit.records.v1", "SHP-1"))),
            AuditCanonical.RecordsDigest(["SHP-1"]));

        // The digest writes into a pooled buffer, not through Encode: the same bytes for many ids, multi-byte
        // ones and empty ones, and for a list longer than any buffer the pool had lent before.
        string[] ids = ["SHP-1", "", "偽物-🕵", new string('é', 5000), .. Enumerable.Range(0, 20_000).Select(i => "LX" + i.ToString(CultureInfo.InvariantCulture))];
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(AuditCanonical.Encode(["gateway.audit.records.v1", .. ids]))),
            AuditCanonical.RecordsDigest(ids));
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(AuditCanonical.Encode("gateway.audit.records.v1", "SHP-1", "SHP-2"))),
            AuditCanonical.RecordsDigest(["SHP-1", "SHP-2"]));
    }

    [Fact]
    public void An_intact_chain_with_checkpoints_verifies()
    {
        var chain = Chain(10);
        var result = AuditChain.Verify(chain, [Checkpoint(chain[4]), Checkpoint(chain[9])], Keys);
        Assert.True(result.Ok, result.Detail);
        Assert.Equal(10, result.RecordsChecked);
        Assert.Equal(0, result.FirstBadSequence);
    }

    [Fact]
    public void Editing_any_field_is_detected_at_that_record()
    {
        var chain = Chain(10);
        chain[6] = chain[6] with { CaseReference = "OTHER" };
        var result = AuditChain.Verify(chain, [], Keys);
        Assert.False(result.Ok);
        Assert.Equal(7, result.FirstBadSequence);
    }

    [Fact]
    public void Editing_a_record_and_recomputing_its_hash_breaks_the_next_link()
    {
        var chain = Chain(10);
        var edited = chain[6] with { RecordsReturned = 0 };
        chain[6] = edited with { Hash = AuditCanonical.Hash(edited) };
        var result = AuditChain.Verify(chain, [], Keys);
        Assert.Equal(8, result.FirstBadSequence);
    }

    [Fact]
    public void Deleting_a_record_is_detected_at_its_sequence()
    {
        var chain = Chain(10);
        chain.RemoveAt(3);
        Assert.Equal(4, AuditChain.Verify(chain, [], Keys).FirstBadSequence);
    }

    [Fact]
    public void Swapping_two_records_is_detected_at_the_first_of_them()
    {
        var chain = Chain(10);
        // Swap the contents of sequences 3 and 6, keeping the sequence column in order (what ORDER BY shows).
        var (three, six) = (chain[2], chain[5]);
        chain[2] = six with { Sequence = 3 };
        chain[5] = three with { Sequence = 6 };
        Assert.Equal(3, AuditChain.Verify(chain, [], Keys).FirstBadSequence);
    }

    [Fact]
    public void Truncating_the_tail_behind_a_signed_checkpoint_is_detected()
    {
        var chain = Chain(10);
        var checkpoints = new[] { Checkpoint(chain[7]) };
        var truncated = chain.Take(5).ToList();
        var result = AuditChain.Verify(truncated, checkpoints, Keys);
        Assert.False(result.Ok);
        Assert.Equal(6, result.FirstBadSequence);
        Assert.Contains("truncated", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forged_or_unverifiable_checkpoint_fails_at_its_sequence()
    {
        var chain = Chain(10);
        var forged = Checkpoint(chain[7]) with { Sequence = 9, HeadHash = chain[8].Hash };
        Assert.Equal(9, AuditChain.Verify(chain, [forged], Keys).FirstBadSequence);

        using var other = RSA.Create(2048);
        Assert.Equal(8, AuditChain.Verify(chain, [Checkpoint(chain[7])], _ => other).FirstBadSequence);
    }

    [Fact]
    public void A_rewritten_chain_that_disagrees_with_a_signed_checkpoint_is_detected()
    {
        var chain = Chain(10);
        var checkpoint = Checkpoint(chain[5]);
        // The attacker rewrites record 3 and re-hashes everything after it: internally consistent again…
        var rewritten = chain.Take(2).ToList();
        var previous = rewritten[^1].Hash;
        foreach (var r in chain.Skip(2))
        {
            var row = (r.Sequence == 3 ? r with { AgencyId = "someone-else" } : r) with { PreviousHash = previous, Hash = "" };
            row = row with { Hash = AuditCanonical.Hash(row) };
            rewritten.Add(row);
            previous = row.Hash;
        }

        Assert.True(AuditChain.Verify(rewritten, [], Keys).Ok);
        // …but not with the signed checkpoint.
        Assert.Equal(6, AuditChain.Verify(rewritten, [checkpoint], Keys).FirstBadSequence);
    }

    private RSA? Keys(string thumbprint) => thumbprint == KeyId ? key : null;

    private AuditCheckpointRow Checkpoint(AuditRecordRow at)
    {
        var created = new DateTime(2026, 3, 1, 11, 0, 0, DateTimeKind.Utc);
        var signature = key.SignData(AuditCanonical.CheckpointBytes(at.Sequence, at.Hash, created), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new AuditCheckpointRow { Sequence = at.Sequence, HeadHash = at.Hash, CreatedAt = created, Signature = Convert.ToBase64String(signature), KeyThumbprint = KeyId };
    }

    private static List<AuditRecordRow> Chain(int count)
    {
        var rows = new List<AuditRecordRow>();
        var previous = "";
        for (var i = 1; i <= count; i++)
        {
            var row = Record(i, previous) with { CaseReference = $"FR-{i}" };
            row = row with { Hash = AuditCanonical.Hash(row) };
            rows.Add(row);
            previous = row.Hash;
        }

        return rows;
    }

    private static AuditRecordRow Record(long sequence, string previous) => new()
    {
        Sequence = sequence,
        Time = new DateTime(2026, 3, 1, 10, 20, 30, DateTimeKind.Utc).AddTicks(1234560),
        AgencyId = "fr-customs",
        ClientId = "fr-customs",
        CertificateThumbprint = "ab12",
        OfficerId = "officer-7",
        Rpc = "/gateway.v1.ShipmentService/GetShipment",
        LegalBasis = "EU 608/2013 art. 17",
        CaseReference = "FR-1",
        StatementOfReasons = "Soupçon",
        RequestSummary = "{\"trackingNumber\":\"LX1\"}",
        StatusCode = 0,
        RecordsReturned = 1,
        RecordsDigest = "d1",
        PreviousHash = previous,
    };

    public void Dispose() => key.Dispose();
}
