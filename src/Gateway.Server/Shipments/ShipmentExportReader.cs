using System.Text;
using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Server.Shipments;

/// <summary>
/// Shipment reads straight into protobuf. Export batches: one statement per batch (the keyset page of
/// shipments — the same conditions as a search page — joined to its goods lines and, for LISTINGS, their
/// listings), encoded by <see cref="ShipmentBatchEncoder"/> into a pre-encoded ShipmentBatch. On SQLite
/// the statement is stepped through SQLitePCL's raw API and each column's UTF-8 bytes are copied into
/// the message as stored (the provider's data reader cost two P/Invokes and a SafeHandle round trip per
/// value plus a UTF-16 string that serialisation turned back into UTF-8: two thirds of the read, see
/// docs/performance.md); other providers feed the same encoder through their data reader.
/// GetShipment (one record) goes through the same encoder (<see cref="FindAsync"/>).
/// Only the columns of the requested subsets are read: a party the caller may not see never leaves the database.
/// </summary>
internal sealed class ShipmentExportReader(Database database, ShipmentQueries queries, StatementCache statements, SqliteReadConnections readConnections)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(ShipmentQueries.Key, ExportLayout, int), (string Sql, string[] Parameters)> findStatements = new();

    /// <summary>
    /// Reads one batch of at most <paramref name="take"/> shipments after <paramref name="after"/>, encoded
    /// with the resume token <paramref name="resumeToken"/> gives for its last id; null when there are none.
    /// </summary>
    public async Task<EncodedShipmentBatch?> ReadAsync(
        ShipmentCriteria criteria, IReadOnlyList<string> countries, string? after, int take, IReadOnlySet<DataSubset> subsets,
        Func<string, string> resumeToken, CancellationToken cancellationToken)
    {
        var layout = ExportLayout.For(subsets);
        using var encoder = new ShipmentBatchEncoder(layout, take);
        // A single-country jurisdiction (every agency today) walks that country's index range (M0980).
        var walkCountry = countries.Count == 1;
        if (readConnections.Rent() is { } lease)
        {
            // SQLite file: a connection of the export's own, without SQLite's per-call mutex (decision 93).
            using (lease)
            {
                try
                {
                    ReadSqlite(lease.Handle, criteria, countries, after, take, layout, walkCountry, encoder, cancellationToken);
                }
                catch (SqliteException)
                {
                    lease.Broken = true;
                    throw;
                }
            }

            return encoder.LastId is { } id ? encoder.Finish(resumeToken(id)) : null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        if (connection is SqliteConnection sqlite)
        {
            ReadSqlite(sqlite.Handle ?? throw new InvalidOperationException("The connection is not open."),
                criteria, countries, after, take, layout, walkCountry, encoder, cancellationToken);
        }
        else
        {
            var (conditions, parameters) = queries.Filter(criteria, countries, after, take, walkCountry: walkCountry);
            var sql = layout.Sql(database.Dialect, conditions, "@take", walkCountry);
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters.ForDapper(), cancellationToken: cancellationToken));
            var row = new DataReaderExportRow(reader, new DataReaderExportRow.Scratch());
            while (await reader.ReadAsync(cancellationToken))
            {
                encoder.Add(row);
            }
        }

        return encoder.LastId is { } last ? encoder.Finish(resumeToken(last)) : null;
    }

    private const string ListingsCacheSql = "PRAGMA cache_size=-16384";

    /// <summary>
    /// Prepares, binds and steps the batch's statement on a sqlite3 handle (an export connection of
    /// <see cref="SqliteReadConnections"/>, or a provider connection's own). The statement is finalized here,
    /// before the connection goes back to its pool: the export connections run in SQLite's multi-thread mode,
    /// where a statement left to the finalizer thread could race the connection's next user. SQLite's column
    /// spans are copied into the batch before the next step.
    /// </summary>
    private void ReadSqlite(sqlite3 db, ShipmentCriteria criteria, IReadOnlyList<string> countries, string? after, int take,
        ExportLayout layout, bool walkCountry, ShipmentBatchEncoder encoder, CancellationToken cancellationToken)
    {
        var (conditions, parameters) = queries.Filter(criteria, countries, after, take, listParameters: true, walkCountry);
        // The walk's statement has no LIMIT (it would count joined rows): stop after the page's last shipment.
        var walk = walkCountry && layout.JoinsGoods;
        var sql = walk ? layout.WalkSql(conditions) : layout.Sql(database.Dialect, conditions, "@take", walkCountry);
        ReadSqlite(db, sql, parameters, encoder, walk ? take : null, layout.Listings, cancellationToken);
    }

    private static void ReadSqlite(sqlite3 db, string sql, ShipmentQueries.FilterParameters parameters,
        ShipmentBatchEncoder encoder, int? take, bool listings, CancellationToken cancellationToken)
    {
        if (listings)
        {
            // Each goods line looks its listing up: a listing's page is read again for every shipment that sold
            // from it, and with SQLite's default 2 MB cache those pages came back from the OS by pread each time.
            // 16 MB keeps them: −10 % CPU per fr-customs record on the reading thread; 64 MB gained nothing more
            // (docs/performance.md, "ExportShipments", decision 90). As with the ingest's cache, the connection
            // keeps only pages it has read, and the pool closes idle connections.
            Check(db, raw.sqlite3_exec(db, ListingsCacheSql));
        }

        Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        using (statement)
        {
            Bind(db, statement, parameters);
            var row = new SqliteExportRow(statement.DangerousGetHandle());
            for (var n = 0; ; n++)
            {
                if ((n & 255) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                // A locked database is waited for inside SQLite: every connection Database opens sets
                // busy_timeout (the connection string's Default Timeout), not a retry loop here.
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_DONE)
                {
                    break;
                }

                if (rc != raw.SQLITE_ROW)
                {
                    Check(db, rc);
                }

                if (take is { } pageSize && encoder.Count == pageSize && encoder.StartsShipment(row))
                {
                    break;
                }

                encoder.Add(row);
            }
        }
    }

    /// <summary>Binds each parameter the statement names, with the values Microsoft.Data.Sqlite would bind.</summary>
    private static void Bind(sqlite3 db, sqlite3_stmt statement, ShipmentQueries.FilterParameters p)
    {
        var count = raw.sqlite3_bind_parameter_count(statement);
        for (var i = 1; i <= count; i++)
        {
            var name = raw.sqlite3_bind_parameter_name(statement, i).utf8_to_string();
            var rc = name switch
            {
                "@after" => Text(p.After),
                "@DestinationCountry" => Text(p.DestinationCountry),
                "@OriginCountry" => Text(p.OriginCountry),
                "@SellerId" => Text(p.SellerId),
                "@ConsigneeNameContains" => Text(p.ConsigneeNameContains),
                "@hsLike" => Text(p.HsLike),
                // The provider's own text format for DateTime, so comparisons with stored values are unchanged.
                "@DeclaredFrom" => Text(p.DeclaredFrom?.ToString(SqliteEngine.ProviderTimeFormat, CultureInfo.InvariantCulture)),
                "@DeclaredTo" => Text(p.DeclaredTo?.ToString(SqliteEngine.ProviderTimeFormat, CultureInfo.InvariantCulture)),
                "@MinRiskScore" => p.MinRiskScore is { } score ? raw.sqlite3_bind_int64(statement, i, score) : raw.sqlite3_bind_null(statement, i),
                "@take" => raw.sqlite3_bind_int64(statement, i, p.Take),
                _ when name.StartsWith("@country", StringComparison.Ordinal)
                    && int.TryParse(name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c < p.Countries.Count => Text(p.Countries[c]),
                _ => throw new InvalidOperationException($"Export statement parameter {name} has no value."),
            };
            Check(db, rc);

            int Text(string? value) => value is null
                ? raw.sqlite3_bind_null(statement, i)
                : raw.sqlite3_bind_text(statement, i, Encoding.UTF8.GetBytes(value));
        }
    }

    private static void Check(sqlite3 db, int rc) => SqliteEngine.Check(db, rc);

    /// <summary>
    /// GetShipment: the most recent shipment with that key in the caller's jurisdiction (a carrier may
    /// reuse a tracking number over the years), with its goods and listings, in one kept statement, encoded
    /// by the export's encoder straight from the rows (on SQLite from SQLite's own column buffers, as the
    /// export reads them): the answer is the record an export or a search would give, byte for byte.
    /// </summary>
    public async Task<EncodedShipment?> FindAsync(
        ShipmentQueries.Key key, string value, IReadOnlyList<string> countries, IReadOnlySet<DataSubset> subsets, CancellationToken cancellationToken)
    {
        var column = key switch
        {
            ShipmentQueries.Key.ShipmentId => "s.shipment_id",
            ShipmentQueries.Key.TrackingNumber => "s.tracking_number",
            ShipmentQueries.Key.Mrn => "s.mrn",
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };
        var layout = ExportLayout.For(subsets);
        using var encoder = new ShipmentBatchEncoder(layout, 1);
        using var session = await statements.RentAsync(cancellationToken);
        var dialect = session.Dialect;
        // Built once per shape (key, subsets, number of countries), not per call.
        var (sql, parameters) = findStatements.GetOrAdd((key, layout, countries.Count), static (shape, state) =>
        {
            var (_, layout, count) = shape;
            string[] conditions =
            [
                $"{state.Column} = @value",
                $"""
                EXISTS (SELECT 1 FROM shipment_countries jc
                        WHERE jc.shipment_id = s.shipment_id AND {state.Dialect.InList("jc.country", "country", count)})
                """,
            ];
            // LIMIT 1 as a literal: SQLite's planner reads a bound LIMIT's value, so binding it again
            // expires the prepared statement and every call paid a full re-prepare.
            return (layout.Sql(state.Dialect, conditions, "1", walkCountry: false, orderBy: "s.ingest_seq DESC"),
                ["@value", .. state.Dialect.ListParameters("country", count)]);
        }, (Column: column, Dialect: dialect));
        if (session.Statement(sql, parameters) is { } statement)
        {
            // The values in the order of the parameter names: the key, then one per country (@country0, …).
            var values = new object?[countries.Count + 1];
            values[0] = value;
            for (var i = 0; i < countries.Count; i++)
            {
                values[i + 1] = countries[i];
            }

            session.Query(statement, values, row => encoder.Add(new SqliteExportRow(row)));
            return encoder.FinishRecord();
        }

        var command = session.Command(sql, parameters);
        command.Parameters["@value"].Value = value;
        dialect.BindList(command, "country", countries);
        return await session.ReadAsync(command, reader =>
        {
            var row = new DataReaderExportRow(reader, new DataReaderExportRow.Scratch());
            while (reader.Read())
            {
                encoder.Add(row);
            }

            return encoder.FinishRecord();
        }, cancellationToken);
    }
}
