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

    // The last agency built from each row: the caller interceptor reads the row on every call (so a
    // suspension applies to the very next call), but rebuilds the agency only when the row changed.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (AgencyRow Row, Agency Agency)> built = new(StringComparer.Ordinal);

    public async Task<Agency?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        using var session = await statements.RentAsync(cancellationToken);
        var command = session.Command(SelectColumns + " WHERE id = @id", "@id");
        command.Parameters["@id"].Value = id;
        var row = await session.ReadAsync(command, reader => reader.Read()
            ? new AgencyRow
            {
                Id = reader.GetString(0),
                Kind = reader.GetString(1),
                Name = reader.GetString(2),
                Status = reader.GetString(3),
                Jurisdictions = reader.GetString(4),
                Scopes = reader.GetString(5),
                Subsets = reader.GetString(6),
                CertificateSubject = reader.GetString(7),
                ReceiverEndpoint = reader.IsDBNull(8) ? null : reader.GetString(8),
                LeadThreshold = reader.GetInt32(9),
            }
            : null, cancellationToken);
        if (row is null)
        {
            return null;
        }

        if (built.TryGetValue(id, out var last) && last.Row == row)
        {
            return last.Agency;
        }

        var agency = row.ToAgency();
        built[id] = (row, agency);
        return agency;
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
