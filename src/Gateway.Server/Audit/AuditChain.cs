using System.Security.Cryptography;

namespace Gateway.Server.Audit;

/// <summary>The outcome of a verification: ok, or the first sequence that cannot be trusted and why.</summary>
internal sealed record AuditVerification(bool Ok, long RecordsChecked, long FirstBadSequence, string Detail)
{
    public static AuditVerification Pass(long count) => new(true, count, 0, "");
}

/// <summary>
/// Verifies the chain offline from the records, the checkpoints and the signing certificate's
/// public key only: sequences contiguous from 1, every previous_hash the hash of its predecessor,
/// every hash recomputed from the canonical encoding, every checkpoint correctly signed and equal
/// to the chain at its sequence, and no checkpoint beyond the tail (a cut-off tail).
/// </summary>
internal static class AuditChain
{
    public static AuditVerification Verify(IEnumerable<AuditRecordRow> records, IReadOnlyList<AuditCheckpointRow> checkpoints, Func<string, RSA?> publicKeys)
    {
        // Checkpoints are checked as the chain passes their sequence; the lowest failure wins.
        var pending = new SortedDictionary<long, AuditCheckpointRow>();
        AuditVerification? checkpointFailure = null;
        foreach (var checkpoint in checkpoints)
        {
            if (!SignatureValid(checkpoint, publicKeys(checkpoint.KeyThumbprint)))
            {
                checkpointFailure = Lowest(checkpointFailure, Fail(0, checkpoint.Sequence,
                    $"checkpoint at sequence {checkpoint.Sequence} has no valid signature by the audit key"));
            }
            else
            {
                pending[checkpoint.Sequence] = checkpoint;
            }
        }

        long expected = 1;
        var previousHash = "";
        AuditVerification? chainFailure = null;
        foreach (var record in records)
        {
            if (record.Sequence != expected)
            {
                // A missing or reordered sequence: the first one not where it should be is the bad one.
                chainFailure = Fail(expected - 1, Math.Min(expected, record.Sequence),
                    $"expected sequence {expected}, found {record.Sequence} (a record was deleted, inserted or reordered)");
                break;
            }

            if (record.PreviousHash != previousHash)
            {
                chainFailure = Fail(expected - 1, record.Sequence, $"record {record.Sequence}: previous_hash does not match the hash of record {record.Sequence - 1}");
                break;
            }

            var hash = AuditCanonical.Hash(record);
            if (record.Hash != hash)
            {
                chainFailure = Fail(expected - 1, record.Sequence, $"record {record.Sequence}: hash does not match its content (edited)");
                break;
            }

            if (pending.Remove(record.Sequence, out var checkpoint) && checkpoint.HeadHash != hash)
            {
                chainFailure = Fail(expected - 1, record.Sequence, $"record {record.Sequence}: differs from the signed checkpoint at that sequence");
                break;
            }

            previousHash = hash;
            expected++;
        }

        var count = expected - 1;
        if (chainFailure is null && pending.Count > 0)
        {
            // A signed checkpoint beyond the last record: the tail was cut off.
            var beyond = pending.Keys.First();
            chainFailure = Fail(count, count + 1,
                $"the log ends at sequence {count} but a signed checkpoint vouches for sequence {beyond}: the tail was truncated");
        }

        var failure = Lowest(chainFailure, checkpointFailure);
        return failure is null ? AuditVerification.Pass(count) : failure with { RecordsChecked = count };
    }

    public static bool SignatureValid(AuditCheckpointRow checkpoint, RSA? publicKey)
    {
        if (publicKey is null)
        {
            return false;
        }

        try
        {
            var signature = Convert.FromBase64String(checkpoint.Signature);
            return publicKey.VerifyData(AuditCanonical.CheckpointBytes(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.CreatedAt),
                signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static AuditVerification Fail(long checkedCount, long sequence, string detail) => new(false, checkedCount, sequence, detail);

    private static AuditVerification? Lowest(AuditVerification? a, AuditVerification? b) =>
        a is null ? b : b is null ? a : (b.FirstBadSequence < a.FirstBadSequence ? b : a);
}
