using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Field = Gateway.Server.Audit.AuditRecordEncoder.Field;

namespace Gateway.Server.Audit;

/// <summary>
/// The audit writer's insert on SQLite, prepared once on the writer's connection and driven through
/// SQLite's own API: the text columns are bound from the bytes the record was hashed from
/// (<see cref="AuditRecordEncoder"/>), by parameter index. Through Microsoft.Data.Sqlite, each of the
/// 16 parameters was looked up by name in the statement, boxed and re-encoded from UTF-16 on every
/// record: about a third of the writer's user time (docs/performance.md, "Where the audit's cost is"). The stored values
/// are the ones the provider stores: integers, text, and the time in its text format.
/// </summary>
internal sealed class SqliteAuditInsert : IDisposable
{
    private static readonly (Field Field, string Parameter)[] TextColumns =
    [
        (Field.AgencyId, "@AgencyId"), (Field.ClientId, "@ClientId"), (Field.CertificateThumbprint, "@CertificateThumbprint"),
        (Field.OfficerId, "@OfficerId"), (Field.Rpc, "@Rpc"), (Field.LegalBasis, "@LegalBasis"), (Field.CaseReference, "@CaseReference"),
        (Field.StatementOfReasons, "@StatementOfReasons"), (Field.RequestSummary, "@RequestSummary"),
        (Field.RecordsDigest, "@RecordsDigest"), (Field.PreviousHash, "@PreviousHash"),
    ];

    private readonly sqlite3 database;
    private readonly sqlite3_stmt statement;
    private readonly int[] textIndexes;
    private readonly int sequenceIndex, timeIndex, statusIndex, returnedIndex, hashIndex;
    private readonly byte[] scratch = new byte[128];

    public SqliteAuditInsert(SqliteConnection connection)
    {
        database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(database, AuditStore.InsertSql, out statement));
        textIndexes = Array.ConvertAll(TextColumns, c => Index(c.Parameter));
        sequenceIndex = Index("@Sequence");
        timeIndex = Index("@Time");
        statusIndex = Index("@StatusCode");
        returnedIndex = Index("@RecordsReturned");
        hashIndex = Index("@Hash");
    }

    /// <summary>Inserts the record last encoded by <paramref name="encoded"/>, with its sequence and hash.</summary>
    public void Insert(AuditRecordEncoder encoded, AuditRecordRow record, long sequence, string hash)
    {
        // The SafeHandle field keeps the statement alive; the binds use its pointer (as ExportRows does).
        var s = statement.DangerousGetHandle();
        Check(Data.SqliteStatement.BindInt64(s, sequenceIndex, sequence));
        if (!record.Time.TryFormat(scratch, out var timeLength, Data.SqliteEngine.ProviderTimeFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("An audit time did not fit its buffer.");
        }

        Text(s, timeIndex, scratch.AsSpan(0, timeLength));
        for (var i = 0; i < TextColumns.Length; i++)
        {
            Text(s, textIndexes[i], encoded[TextColumns[i].Field]);
        }

        Check(Data.SqliteStatement.BindInt64(s, statusIndex, record.StatusCode));
        Check(Data.SqliteStatement.BindInt64(s, returnedIndex, record.RecordsReturned));
        var hashLength = System.Text.Encoding.ASCII.GetBytes(hash, scratch);
        Text(s, hashIndex, scratch.AsSpan(0, hashLength));

        var rc = raw.sqlite3_step(statement);
        // Reset whatever happened: a failed step leaves the statement unusable until it is reset.
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            throw Data.SqliteEngine.Failure(database, rc);
        }
    }

    public void Dispose() => statement.Dispose();

    // SQLite copies the bytes, so the encoder's buffer can be reused at once; empty text is '', not NULL.
    private void Text(nint s, int index, ReadOnlySpan<byte> utf8) => Check(Data.SqliteStatement.BindUtf8(s, index, utf8));

    private int Index(string parameter)
    {
        var index = raw.sqlite3_bind_parameter_index(statement, parameter);
        return index > 0 ? index : throw new InvalidOperationException($"The audit insert has no parameter {parameter}.");
    }

    private void Check(int rc) => Data.SqliteEngine.Check(database, rc);
}
