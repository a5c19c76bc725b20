using System.Security.Cryptography;
using Gateway.Server.Data;

namespace Gateway.Server.Audit;

/// <summary>Runs <see cref="AuditChain.Verify"/> over a database: the live one (VerifyAudit) or a copy (`gateway audit verify`).</summary>
internal static class AuditVerifier
{
    public static async Task<AuditVerification> VerifyAsync(Database database, Func<string, RSA?> publicKeys, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Checkpoints first, records second: records appended in between only extend the chain, while
        // the other order could see a checkpoint newer than the records read and report a false truncation.
        // (No transaction: on SQLite that would take the writer lock and stall every call meanwhile.)
        var checkpoints = AuditStore.ReadCheckpoints(connection);
        return await Task.Run(() => AuditChain.Verify(AuditStore.ReadAll(connection), checkpoints, publicKeys), cancellationToken);
    }
}
