using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;

namespace Gateway.Server.Agencies;

/// <summary>The agency registry in the gateway's own table; also the OAuth client store.</summary>
internal sealed class AgencyStore(Database database, StatementCache statements, TimeProvider clock)
{
    private const string SelectColumns = """
        SELECT id, kind, name, status, jurisdictions, scopes, subsets, certificate_subject,
               receiver_endpoint, lead_threshold
        FROM agencies
        """;

    private const string FindSql = SelectColumns + " WHERE id = @id";

    // The last agency built from each row, with the row's text as stored: the caller interceptor reads the
    // row on every call (so a suspension applies to the very next call), but builds the agency only when
    // the row changed. On SQLite the row is compared in SQLite's own column buffers, so an unchanged row
    // costs no string at all.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Built> built = new(StringComparer.Ordinal);

    public async Task<Agency?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        using var session = await statements.RentAsync(cancellationToken);
        if (session.Statement(FindSql, ["@id"]) is { } statement)
        {
            Agency? found = null;
            session.Query(statement, [id], row => found = FromRow(id, new Shipments.SqliteExportRow(row)));
            return found;
        }

        var command = session.Command(FindSql, "@id");
        command.Parameters["@id"].Value = id;
        return await session.ReadAsync(command, reader => reader.Read()
            ? FromRow(id, new Shipments.DataReaderExportRow(reader, new Shipments.DataReaderExportRow.Scratch()))
            : null, cancellationToken);
    }

    /// <summary>The agency of this row: the one built last if no column changed, else built again (and kept).</summary>
    private Agency FromRow<TRow>(string id, TRow row) where TRow : Shipments.IExportRow
    {
        if (built.TryGetValue(id, out var last) && last.Matches(row))
        {
            return last.Agency;
        }

        var text = new byte[]?[Built.TextColumns];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = row.IsNull(i) ? null : row.Text(i).ToArray();
        }

        string Text(int i) => text[i] is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "";
        var agency = new AgencyRow
        {
            Id = Text(0),
            Kind = Text(1),
            Name = Text(2),
            Status = Text(3),
            Jurisdictions = Text(4),
            Scopes = Text(5),
            Subsets = Text(6),
            CertificateSubject = Text(7),
            ReceiverEndpoint = text[8] is null ? null : Text(8),
            LeadThreshold = row.Int32(Built.TextColumns),
        }.ToAgency();
        built[id] = new Built(text, agency.LeadThreshold, agency);
        return agency;
    }

    /// <summary>A row's nine text columns as stored (null for SQL NULL), its lead threshold, and the agency built from them.</summary>
    private sealed record Built(byte[]?[] Text, int LeadThreshold, Agency Agency)
    {
        public const int TextColumns = 9;

        public bool Matches<TRow>(TRow row) where TRow : Shipments.IExportRow
        {
            for (var i = 0; i < TextColumns; i++)
            {
                if (Text[i] is { } bytes ? row.IsNull(i) || !row.Text(i).SequenceEqual(bytes) : !row.IsNull(i))
                {
                    return false;
                }
            }

            return row.Int32(TextColumns) == LeadThreshold;
        }
    }

    public async Task<IReadOnlyList<Agency>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AgencyRow>(new CommandDefinition(
            SelectColumns + " ORDER BY id", cancellationToken: cancellationToken));
        return rows.Select(r => r.ToAgency()).ToList();
    }

    public async Task AddAsync(Agency agency, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO agencies (id, kind, name, status, jurisdictions, scopes, subsets, certificate_subject,
                                  receiver_endpoint, lead_threshold, created_at, updated_at)
            VALUES (@Id, @Kind, @Name, @Status, @Jurisdictions, @Scopes, @Subsets, @CertificateSubject,
                    @ReceiverEndpoint, @LeadThreshold, @now, @now)
            """,
            new
            {
                agency.Id,
                agency.Kind,
                agency.Name,
                agency.Status,
                Jurisdictions = string.Join(',', agency.Jurisdictions),
                Scopes = string.Join(' ', agency.Scopes),
                Subsets = string.Join(',', agency.Subsets.Select(SubsetNames.ToName)),
                CertificateSubject = CertificateSubjects.Normalise(agency.CertificateSubject),
                agency.ReceiverEndpoint,
                agency.LeadThreshold,
                now,
            },
            cancellationToken: cancellationToken));
    }

    /// <returns>false when no agency has that id.</returns>
    public async Task<bool> SetStatusAsync(string id, string status, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE agencies SET status = @status, updated_at = @now WHERE id = @id",
            new { id, status, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));
        return changed == 1;
    }

    /// <returns>false when no agency has that id.</returns>
    public async Task<bool> SetReceiverAsync(string id, string? endpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE agencies SET receiver_endpoint = @endpoint, updated_at = @now WHERE id = @id",
            new { id, endpoint, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));
        return changed == 1;
    }

    private sealed record AgencyRow
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string Status { get; init; } = "";
        public string Jurisdictions { get; init; } = "";
        public string Scopes { get; init; } = "";
        public string Subsets { get; init; } = "";
        public string CertificateSubject { get; init; } = "";
        public string? ReceiverEndpoint { get; init; }
        public int LeadThreshold { get; init; }

        public Agency ToAgency() => new(
            Id, Kind, Name, Status,
            Split(Jurisdictions, ','),
            Split(Scopes, ' '),
            Split(Subsets, ',').Select(SubsetNames.Parse).ToHashSet(),
            CertificateSubject, ReceiverEndpoint, LeadThreshold);

        private static string[] Split(string value, char separator) =>
            value.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

/// <summary>Data subsets by their contract names (SHIPMENT_CORE …), as stored and as typed on the command line.</summary>
internal static class SubsetNames
{
    private static readonly Google.Protobuf.Reflection.EnumDescriptor Descriptor =
        CommonReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("DataSubset");

    public static string ToName(DataSubset subset) =>
        Descriptor.FindValueByNumber((int)subset)?.Name ?? subset.ToString();

    public static DataSubset Parse(string name) =>
        Descriptor.FindValueByName(name.Trim().ToUpperInvariant()) is { } value && value.Number != 0
            ? (DataSubset)value.Number
            : throw new FormatException($"Unknown data subset '{name}'.");

    public static IReadOnlyList<DataSubset> AllSubsets { get; } =
        Descriptor.Values.Where(v => v.Number != 0).Select(v => (DataSubset)v.Number).ToList();
}
