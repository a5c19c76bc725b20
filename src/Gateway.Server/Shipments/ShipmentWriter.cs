using System.Data.Common;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Ingest;

namespace Gateway.Server.Shipments;

/// <summary>
/// Writes shipments (row, goods lines, jurisdiction countries) inside the caller's transaction,
/// idempotent by shipment_id. Every write takes the next ingest sequence, so the scoring job —
/// which reads past a watermark on it — sees new and changed shipments alike.
/// </summary>
/// <remarks>
/// The sequence is read once per batch (MAX + 1) and incremented in memory. That is safe only because
/// the transaction holds the write lock from its start (<see cref="SqlDialect.BeginWriteAsync"/>;
/// Microsoft.Data.Sqlite's default BeginTransaction is BEGIN IMMEDIATE too): no other writer can read
/// the same MAX, and sequences become visible in commit order, so a reader never sees a gap later filled.
/// </remarks>
internal sealed class ShipmentWriter(Database database, TimeProvider clock) : IRecordWriter<Shipment>
{
    private static readonly string[] ShipmentColumns =
    [
        "shipment_id", "ingest_seq", "tracking_number", "mrn", "platform_order_id", "seller_id",
        "consignor_name", "consignor_address", "consignor_postcode", "consignor_city", "consignor_country",
        "consignor_email", "consignor_phone", "consignor_eori",
        "consignee_name", "consignee_address", "consignee_postcode", "consignee_city", "consignee_country",
        "consignee_email", "consignee_phone", "consignee_eori",
        "origin_country", "destination_country", "countries_of_routing", "carrier", "transport_mode",
        "declared_at", "shipped_at", "updated_at",
        // Always written empty: a write stores the party data the platform sent, so the row no longer counts as
        // stripped by retention, and the retention job (which picks rows where it is empty) strips it again
        // once the shipment is past the period.
        "personal_data_removed_at",
    ];

    private static readonly string[] GoodsColumns =
    [
        "shipment_id", "line_no", "description", "hs_code", "quantity", "gross_mass_grams",
        "value_minor", "currency", "country_of_origin", "brand", "listing_id",
    ];

    private static readonly string[] CountryColumns = ["shipment_id", "country"];

    private static readonly string[] UpsertColumns = [.. ShipmentColumns, "content_hash"];

    // The columns an index of shipments covers, besides shipment_id and ingest_seq (migrations M0001, M0300,
    // M0600). A changed shipment whose values here are all unchanged is written by an UPDATE that leaves them
    // out: the database then rewrites none of those eight indexes, which were most of a changed shipment's cost
    // (docs/performance.md, "Ingest"). When one of them changed, the UPDATE sets that one too, and only the indexes
    // on it are rewritten (decision 100); when two or three changed, a one-column UPDATE follows for each further
    // one (decision 102). A column missing here is still written, only less cheaply; IngestTests checks the list
    // against the database's own (SQLite, PostgreSQL).
    // Each with the value it is written with (the write's time for a missing declared time): one table, so that the
    // probe's comparisons, the full upsert and the UPDATEs that set indexed columns bind the same values.
    private static readonly (string Column, Func<Shipment, Derived, DateTime, object> Value)[] Indexed =
    [
        ("tracking_number", (s, _, _) => s.TrackingNumber),
        ("mrn", (s, _, _) => s.Mrn),
        ("seller_id", (s, _, _) => s.SellerId),
        ("declared_at", (_, _, declared) => declared),
        ("origin_country", (_, d, _) => d.Origin),
        ("destination_country", (_, d, _) => d.Destination),
        ("consignee_postcode", (s, _, _) => s.Consignee?.Postcode ?? ""),
        ("consignee_name", (s, _, _) => s.Consignee?.Name ?? ""),
    ];

    internal static readonly string[] IndexedColumns = [.. Indexed.Select(i => i.Column)];

    private static readonly string[] IndexedParameters = [.. IndexedColumns.Select(SqlDialect.Parameter)];

    // What shipment_countries is derived from: while these are unchanged, so are the shipment's jurisdiction rows.
    private static readonly string[] JurisdictionColumns = ["origin_country", "destination_country", "countries_of_routing"];

    private static readonly string[] UnindexedColumns = [.. UpsertColumns.Where(c => c != "shipment_id" && !IndexedColumns.Contains(c))];

    private static readonly string[] UnindexedAssignments = [.. UnindexedColumns.Select(Pair)];

    private static readonly string UpdateUnindexed = $"UPDATE shipments SET {string.Join(", ", UnindexedAssignments)} WHERE shipment_id = @ShipmentId";

    // One per indexed column, in IndexedColumns' order: the unindexed columns and that one.
    private static readonly string[] UpdateUnindexedAndOne = [.. IndexedColumns.Select(column => UpdateWith(column, SqlDialect.Parameter(column)))];

    // A method, so that each hole is a plain name or a static list, as the tests' SQL census reads them.
    private static string UpdateWith(string column, string parameter) =>
        $"UPDATE shipments SET {string.Join(", ", UnindexedAssignments)}, {column} = {parameter} WHERE shipment_id = @ShipmentId";

    // One per indexed column, that column alone: run after UpdateUnindexedAndOne for each further changed column of a
    // shipment that changed a few of them (decision 102).
    private static readonly string[] UpdateOnly = [.. IndexedColumns.Select(column => UpdateSet(column, SqlDialect.Parameter(column)))];

    // A method for the same reason as UpdateWith.
    private static string UpdateSet(string column, string parameter) =>
        $"UPDATE shipments SET {column} = {parameter} WHERE shipment_id = @ShipmentId";

    // Up to this many changed indexed values take the statements above; more take the full upsert. Each further
    // statement rewrites the row once more (and an index on two changed columns moves twice), while the upsert
    // rewrites all eight index entries but the row once. Measured at 1,000 shipments a message against the full
    // upsert: two changed 30.2–30.7k against 21.6–22.2k/s, three 25.4–25.9k against 21.4–22.7k, four no better
    // (docs/performance.md, "Ingest"). One statement per combination would be 92 for three of eight columns.
    private const int MaxChained = 3;

    // Each indexed column compared on its own: bit IndexedShift + i of the probe's answer is set when column i is unchanged.
    private static readonly string[] IndexedComparisons =
        [.. IndexedColumns.Select((column, i) => $"CASE WHEN {Pair(column)} THEN {1 << (IndexedShift + i)} ELSE 0 END")];

    private const int IndexedShift = 3;

    private static readonly int AllIndexed = (1 << IndexedColumns.Length) - 1;

    private static readonly string[] JurisdictionUnchanged = [.. JurisdictionColumns.Select(Pair)];

    private static readonly string[] ProbeParameters =
        ["ShipmentId", "ContentHash", .. IndexedColumns.Concat(JurisdictionColumns).Distinct().Select(SqlDialect.Parameter)];

    // The probe's answer (null: no such shipment) as the bits of ProbeState, then one bit per unchanged indexed
    // column (IndexedComparisons). Identical only while retention has not removed the personal data since (a
    // re-send restores it, as before). The comparisons are made by the database, against the values about to be
    // written: a value counts as unchanged only if it is stored exactly as it would be written again. One
    // statement for all: a second look-up for changed shipments only cost them more than the comparisons'
    // parameters cost new ones.
    private static readonly string ProbeComparing = $"""
        SELECT CASE WHEN content_hash = @ContentHash AND personal_data_removed_at IS NULL THEN 3 ELSE 1 END
             + CASE WHEN {string.Join(" AND ", JurisdictionUnchanged)} THEN 4 ELSE 0 END
             + {string.Join("\n     + ", IndexedComparisons)}
        FROM shipments WHERE shipment_id = @ShipmentId
        """;

    // Where text equality is not exact (SQL Server), every changed shipment is written in full.
    private const string ProbeHashOnly = """
        SELECT CASE WHEN content_hash = @ContentHash AND personal_data_removed_at IS NULL THEN 3 ELSE 1 END
        FROM shipments WHERE shipment_id = @ShipmentId
        """;

    [Flags]
    private enum ProbeState
    {
        Exists = 1,
        Identical = 2,
        JurisdictionSame = 4,
    }

    // "column = @Column": an assignment after SET, a comparison after WHEN.
    private static string Pair(string column) => $"{column} = {SqlDialect.Parameter(column)}";

    private static readonly string InsertGoods =
        $"INSERT INTO shipment_goods ({string.Join(", ", GoodsColumns)}) VALUES ({string.Join(", ", GoodsColumns.Select(SqlDialect.Parameter))})";

    private static readonly string InsertCountry =
        $"INSERT INTO shipment_countries ({string.Join(", ", CountryColumns)}) VALUES ({string.Join(", ", CountryColumns.Select(SqlDialect.Parameter))})";

    private static readonly byte[] HashVersion = "shipment-v1\n"u8.ToArray();

    private readonly string upsertShipment = database.Dialect.Upsert("shipments", ["shipment_id"], UpsertColumns);

    private readonly bool comparesColumns = database.Dialect.TextEqualityIsExact;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string LockTable => "shipments";

    public object? Prepare(Shipment record) => new Derived(record);

    /// <summary>
    /// What a shipment's write derives from the message alone: its content hash and its normalised values.
    /// The ingest computes it while the previous batch holds the write lock (<see cref="IRecordWriter{T}.Prepare"/>),
    /// so the lock is held for the database's work only: ≈ 2 µs of a changed shipment's ≈ 20 µs there (docs/performance.md).
    /// </summary>
    internal sealed class Derived
    {
        public Derived(Shipment s)
        {
            Hash = ContentHash(s);
            Origin = s.OriginCountry.ToUpperInvariant();
            Destination = s.DestinationCountry.ToUpperInvariant();
            var routing = s.CountriesOfRouting.Select(c => c.ToUpperInvariant()).ToArray();
            Routing = string.Join(',', routing);
            DeclaredAt = s.DeclaredAt?.ToDateTime();
            ShippedAt = s.ShippedAt?.ToDateTime();
            ConsignorAddress = Address(s.Consignor);
            ConsigneeAddress = Address(s.Consignee);

            // Destination, origin and routing countries, once each: what puts the shipment in a jurisdiction.
            var countries = new List<string>(2 + routing.Length);
            foreach (var country in routing.Prepend(Origin).Prepend(Destination))
            {
                if (country.Length == 2 && !countries.Contains(country))
                {
                    countries.Add(country);
                }
            }

            Countries = countries;
        }

        public byte[] Hash { get; }

        public string Origin { get; }

        public string Destination { get; }

        public string Routing { get; }

        /// <summary>Null when the message has none: the write's time is used.</summary>
        public DateTime? DeclaredAt { get; }

        /// <summary>Null when the message has none: the write's time is used.</summary>
        public DateTime? ShippedAt { get; }

        public string ConsignorAddress { get; }

        public string ConsigneeAddress { get; }

        public List<string> Countries { get; }

        private static string Address(Party? p) => p is null || p.AddressLines.Count == 0 ? "" : string.Join('\n', p.AddressLines);
    }

    /// <summary>One shipment; for many, use a batch (it reads the sequence and prepares statements once).</summary>
    /// <returns>true when the shipment was new, false when it replaced an existing one.</returns>
    public async Task<bool> UpsertAsync(DbConnection connection, DbTransaction transaction, Shipment shipment, CancellationToken cancellationToken = default)
    {
        await using var batch = await BeginBatchAsync(connection, transaction, cancellationToken);
        return await batch.UpsertAsync(shipment, cancellationToken);
    }

    public async Task<IRecordBatch<Shipment>> BeginBatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        await using var max = new PreparedCommand(connection, transaction, "SELECT COALESCE(MAX(ingest_seq), 0) FROM shipments");
        var last = Convert.ToInt64(await max.ScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new Batch(this, connection, transaction, last + 1);
    }

    /// <summary>
    /// SHA-256 of the record as received (its protobuf encoding; C# protobuf writes fields in number
    /// order, so equal messages encode equally). Equal hash = nothing the gateway stores would change.
    /// </summary>
    internal static byte[] ContentHash(Shipment shipment)
    {
        var size = shipment.CalculateSize();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(HashVersion.Length + size);
        try
        {
            HashVersion.CopyTo(buffer, 0);
            Google.Protobuf.MessageExtensions.WriteTo(shipment, buffer.AsSpan(HashVersion.Length, size));
            return System.Security.Cryptography.SHA256.HashData(buffer.AsSpan(0, HashVersion.Length + size));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <remarks>
    /// Single-row statements on purpose. Multi-row INSERTs of goods and countries were tried and were
    /// slower: Microsoft.Data.Sqlite looks every parameter up by name on every execution
    /// (sqlite3_bind_parameter_index, a linear scan of the statement's names), so binding cost grows
    /// with the square of a statement's parameter count — 64 goods rows a statement made strncmp 15 %
    /// of the profile, and 4 rows a statement still lost to one (docs/performance.md). That was through
    /// the provider; on SQLite PreparedCommand now binds by index (decision 89). Multi-row INSERTs still
    /// lose without it: 300,000 country rows through Python's sqlite3 (which also binds by index) took
    /// 1.75 s of CPU three rows a statement against 0.72 s one row at a time.
    /// </remarks>
    private sealed class Batch(ShipmentWriter writer, DbConnection connection, DbTransaction transaction, long nextSequence) : IRecordBatch<Shipment>
    {
        private readonly PreparedCommand probe = writer.comparesColumns
            ? new(connection, transaction, ProbeComparing, ProbeParameters)
            : new(connection, transaction, ProbeHashOnly, "ShipmentId", "ContentHash");
        private readonly PreparedCommand upsert = new(connection, transaction, writer.upsertShipment, [.. ShipmentColumns.Select(SqlDialect.Parameter), "@ContentHash"]);
        private readonly PreparedCommand updateUnindexed = new(connection, transaction, UpdateUnindexed, [.. UnindexedColumns.Select(SqlDialect.Parameter), "@ShipmentId"]);
        // Prepared when a batch first needs one: most batches change no indexed value, or many at once (new shipments).
        // updateOnly: the further columns of a shipment that changed two or three indexed values (decision 102).
        private readonly PreparedCommand?[] updateUnindexedAndOne = new PreparedCommand?[IndexedColumns.Length];
        private readonly PreparedCommand?[] updateOnly = new PreparedCommand?[IndexedColumns.Length];
        private readonly PreparedCommand deleteGoods = new(connection, transaction, "DELETE FROM shipment_goods WHERE shipment_id = @ShipmentId", "ShipmentId");
        private readonly PreparedCommand deleteCountries = new(connection, transaction, "DELETE FROM shipment_countries WHERE shipment_id = @ShipmentId", "ShipmentId");
        private readonly PreparedCommand insertGoods = new(connection, transaction, InsertGoods, GoodsColumns.Select(SqlDialect.Parameter));
        private readonly PreparedCommand insertCountry = new(connection, transaction, InsertCountry, CountryColumns.Select(SqlDialect.Parameter));

        public async Task<bool> UpsertAsync(Shipment s, object? prepared, CancellationToken cancellationToken = default)
        {
            var id = s.ShipmentId;
            var d = prepared as Derived ?? new Derived(s);
            var now = writer.Now;
            var declared = d.DeclaredAt ?? now;
            probe.Set("ShipmentId", id).Set("ContentHash", d.Hash);
            if (writer.comparesColumns)
            {
                BindIndexed(probe, s, d, declared).Set("CountriesOfRouting", d.Routing);
            }

            var found = await probe.ScalarAsync(cancellationToken);
            var state = found is null ? 0 : (ProbeState)Convert.ToInt32(found, System.Globalization.CultureInfo.InvariantCulture);
            if (state.HasFlag(ProbeState.Identical))
            {
                // Identical re-send: nothing stored would change, so nothing is written — no new
                // ingest_seq (feed readers and the scoring job see no phantom change), no index churn.
                return false;
            }

            var existed = state.HasFlag(ProbeState.Exists);
            // Which indexed values a changed shipment changes (all, for a new one or where the probe compares none).
            var changed = existed ? ~((int)state >> IndexedShift) & AllIndexed : AllIndexed;
            PreparedCommand command;
            var chained = 0;
            if (changed == 0)
            {
                // None: the same values, without those columns.
                command = updateUnindexed;
            }
            else if (existed && System.Numerics.BitOperations.PopCount((uint)changed) <= MaxChained)
            {
                // One, or a few: the same values and the first changed column, then each further one on its own, so
                // that only the indexes on changed columns are rewritten.
                var column = System.Numerics.BitOperations.TrailingZeroCount(changed);
                command = updateUnindexedAndOne[column] ??= new(connection, transaction, UpdateUnindexedAndOne[column],
                    [.. UnindexedColumns.Select(SqlDialect.Parameter), IndexedParameters[column], "@ShipmentId"]);
                command.Set(IndexedParameters[column], Indexed[column].Value(s, d, declared));
                chained = changed & (changed - 1);
            }
            else
            {
                command = BindIndexed(upsert, s, d, declared);
            }

            BindParty(command, "Consignor", s.Consignor, d.ConsignorAddress, withNameAndPostcode: true);
            BindParty(command, "Consignee", s.Consignee, d.ConsigneeAddress, withNameAndPostcode: false);
            await command
                .Set("ShipmentId", id)
                .Set("IngestSeq", nextSequence++)
                .Set("PlatformOrderId", s.PlatformOrderId)
                .Set("CountriesOfRouting", d.Routing)
                .Set("Carrier", s.Carrier)
                .Set("TransportMode", s.TransportMode)
                .Set("ShippedAt", d.ShippedAt ?? now)
                .Set("UpdatedAt", now)
                .Set("PersonalDataRemovedAt", null)
                .Set("ContentHash", d.Hash)
                .ExecuteAsync(cancellationToken);
            for (; chained != 0; chained &= chained - 1)
            {
                var column = System.Numerics.BitOperations.TrailingZeroCount(chained);
                var only = updateOnly[column] ??= new(connection, transaction, UpdateOnly[column], IndexedParameters[column], "@ShipmentId");
                await only.Set(IndexedParameters[column], Indexed[column].Value(s, d, declared)).Set("ShipmentId", id).ExecuteAsync(cancellationToken);
            }

            // Goods are replaced as a whole: the platform's record is the truth. Jurisdiction rows only when what
            // they are derived from changed.
            var sameJurisdiction = state.HasFlag(ProbeState.JurisdictionSame);
            if (existed)
            {
                await deleteGoods.Set("ShipmentId", id).ExecuteAsync(cancellationToken);
                if (!sameJurisdiction)
                {
                    await deleteCountries.Set("ShipmentId", id).ExecuteAsync(cancellationToken);
                }
            }

            var line = 0;
            foreach (var g in s.Goods)
            {
                await insertGoods
                    .Set(0, id)
                    .Set(1, ++line)
                    .Set(2, g.Description)
                    .Set(3, g.HsCode)
                    .Set(4, g.Quantity)
                    .Set(5, g.GrossMassGrams)
                    .Set(6, g.IntrinsicValue?.AmountMinor ?? 0)
                    .Set(7, g.IntrinsicValue?.Currency ?? "")
                    .Set(8, g.CountryOfOrigin)
                    .Set(9, g.Brand)
                    .Set(10, g.ListingId)
                    .ExecuteAsync(cancellationToken);
            }

            if (sameJurisdiction)
            {
                return !existed;
            }

            foreach (var country in d.Countries)
            {
                await insertCountry.Set(0, id).Set(1, country).ExecuteAsync(cancellationToken);
            }

            return !existed;
        }

        // The values of IndexedColumns: compared by the probe, all written by the full upsert.
        private static PreparedCommand BindIndexed(PreparedCommand command, Shipment s, Derived d, DateTime declared)
        {
            for (var i = 0; i < Indexed.Length; i++)
            {
                command.Set(IndexedParameters[i], Indexed[i].Value(s, d, declared));
            }

            return command;
        }

        // The consignee's name and postcode are indexed (BindIndexed binds them); the consignor's are not.
        private static void BindParty(PreparedCommand command, string prefix, Party? p, string address, bool withNameAndPostcode)
        {
            if (withNameAndPostcode)
            {
                command.Set(prefix + "Name", p?.Name ?? "").Set(prefix + "Postcode", p?.Postcode ?? "");
            }

            command
                .Set(prefix + "Address", address)
                .Set(prefix + "City", p?.City ?? "")
                .Set(prefix + "Country", p?.Country ?? "")
                .Set(prefix + "Email", p?.Email ?? "")
                .Set(prefix + "Phone", p?.Phone ?? "")
                .Set(prefix + "Eori", p?.Eori ?? "");
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in new[] { probe, upsert, updateUnindexed, deleteGoods, deleteCountries, insertGoods, insertCountry }.Concat(updateUnindexedAndOne).Concat(updateOnly))
            {
                if (command is not null)
                {
                    await command.DisposeAsync();
                }
            }
        }
    }
}

