using System.Globalization;
using Microsoft.Data.Sqlite;
using Field = Gateway.Server.Audit.AuditRecordEncoder.Field;

namespace Gateway.Server.Audit;

/// <summary>
/// The audit writer's insert on SQLite, prepared once on the writer's connection and driven through
/// SQLite's own API: the text columns are bound from the bytes the record was hashed from
/// (<see cref="AuditRecordEncoder"/>), by parameter index. Through Microsoft.Data.Sqlite, each of the
/// 16 parameters was looked up by name in the statement, boxed and re-encoded from UTF-16 on every
/// record: about a third of the writer's user time (docs/performance-log.md, "Where the audit's cost is"). The stored values
/// are the ones the provider stores: integers, text, and the time in its text format.
/// </summary>
internal sealed class SqliteAuditInsert : IDisposable
{
    private static readonly (Field Field, string Parameter)[] TextColumns =
    [
        (Field.AgencyId, "AgencyId"), (Field.ClientId, "ClientId"), (Field.CertificateThumbprint, "CertificateThumbprint"),
        (Field.OfficerId, "OfficerId"), (Field.Rpc, "Rpc"), (Field.LegalBasis, "LegalBasis"), (Field.CaseReference, "CaseReference"),
        (Field.StatementOfReasons, "StatementOfReasons"), (Field.RequestSummary, "RequestSummary"),
        (Field.RecordsDigest, "RecordsDigest"), (Field.PreviousHash, "PreviousHash"),
    ];

    private static readonly int[] TextOrdinals = Array.ConvertAll(TextColumns, c => Ordinal(c.Parameter));
    private static readonly int SequenceOrdinal = Ordinal("Sequence"), TimeOrdinal = Ordinal("Time"),
        StatusOrdinal = Ordinal("StatusCode"), ReturnedOrdinal = Ordinal("RecordsReturned"), HashOrdinal = Ordinal("Hash");

    private readonly Data.SqliteStatement statement;
    private readonly byte[] scratch = new byte[128];

    public SqliteAuditInsert(SqliteConnection connection) =>
        statement = new Data.SqliteStatement(connection, AuditStore.InsertSql, Array.ConvertAll(AuditStore.InsertParameters, p => "@" + p));

    /// <summary>Inserts the record last encoded by <paramref name="encoded"/>, with its sequence and hash.</summary>
    public void Insert(AuditRecordEncoder encoded, AuditRecordRow record, long sequence, string hash)
    {
        statement.BindInt64(SequenceOrdinal, sequence);
        if (!record.Time.TryFormat(scratch, out var timeLength, Data.SqliteEngine.ProviderTimeFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("An audit time did not fit its buffer.");
        }

        statement.BindUtf8(TimeOrdinal, scratch.AsSpan(0, timeLength));
        for (var i = 0; i < TextColumns.Length; i++)
        {
            statement.BindUtf8(TextOrdinals[i], encoded[TextColumns[i].Field]);
        }

        statement.BindInt64(StatusOrdinal, record.StatusCode);
        statement.BindInt64(ReturnedOrdinal, record.RecordsReturned);
        var hashLength = System.Text.Encoding.ASCII.GetBytes(hash, scratch);
        statement.BindUtf8(HashOrdinal, scratch.AsSpan(0, hashLength));
        statement.Execute();
    }

    public void Dispose() => statement.Dispose();

    private static int Ordinal(string parameter) => Array.IndexOf(AuditStore.InsertParameters, parameter) is >= 0 and var i
        ? i : throw new InvalidOperationException($"The audit insert has no parameter {parameter}.");
}
