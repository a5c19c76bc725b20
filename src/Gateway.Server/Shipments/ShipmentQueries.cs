using System.Data.Common;
using Dapper;
using Gateway.Server.Data;

namespace Gateway.Server.Shipments;

/// <summary>
/// Shipment reads. The caller's jurisdiction is part of every query (an indexed EXISTS on
/// shipment_countries), so a shipment outside it is never read, never filtered afterwards.
/// </summary>
internal sealed class ShipmentQueries(Database database)
{
    /// <summary>Predicate: the shipment `s` has its destination, origin or a routing country in @countries.</summary>
    public static string InJurisdiction(SqlDialect dialect) => $"""
        EXISTS (SELECT 1 FROM shipment_countries jc
                WHERE jc.shipment_id = s.shipment_id AND {dialect.In("jc.country", "@countries")})
        """;

    /// <summary>
    /// FROM clause of a page that walks one country's shipments in shipment_id order through
    /// ux_shipment_countries_country_shipment (M0980, unique since M0990) and looks each one up, instead of walking
    /// all shipments and probing their countries. One country only: with several, the index gives one ordered run
    /// per country. (SQLite's export reads through <see cref="ExportLayout.WalkSql"/>, which walks the same way.)
    /// </summary>
    public const string CountryWalk = "shipment_countries jc JOIN shipments s ON s.shipment_id = jc.shipment_id";

    public enum Key
    {
        ShipmentId,
        TrackingNumber,
        Mrn,
    }

    public async Task<ShipmentRow?> FindAsync(Key key, string value, IReadOnlyList<string> countries, CancellationToken cancellationToken)
    {
        var column = key switch
        {
            Key.ShipmentId => "s.shipment_id",
            Key.TrackingNumber => "s.tracking_number",
            Key.Mrn => "s.mrn",
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };

        // A tracking number can be reused by a carrier over the years: the most recent shipment wins.
        var sql = $"""
            SELECT s.* FROM shipments s
            WHERE {column} = @value AND {InJurisdiction(database.Dialect)}
            ORDER BY s.ingest_seq DESC
            {database.Dialect.Limit("1")}
            """;
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ShipmentRow>(
            new CommandDefinition(sql, new { value, countries }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// One keyset page: shipments matching <paramref name="criteria"/> in the caller's jurisdiction,
    /// ordered by shipment_id, strictly after <paramref name="after"/>. shipment_id is immutable (the
    /// ingest sequence is not: every re-ingest bumps it), so a shipment that existed when paging began
    /// is returned exactly once however many are ingested or updated in between.
    /// </summary>
    public async Task<IReadOnlyList<ShipmentRow>> PageAsync(
        DbConnection connection, ShipmentCriteria criteria, IReadOnlyList<string> countries, string? after, int take, CancellationToken cancellationToken)
    {
        var (conditions, parameters) = Filter(criteria, countries, after, take);
        var sql = $"""
            SELECT s.* FROM shipments s
            WHERE {string.Join("\n  AND ", conditions)}
            ORDER BY s.shipment_id
            {database.Dialect.Limit("@take")}
            """;
        var rows = await connection.QueryAsync<ShipmentRow>(new CommandDefinition(sql, parameters.ForDapper(), cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// The keyset page's conditions (jurisdiction, position, criteria; joined by AND) and their
    /// parameters, shared by search pages and export batches so both select exactly the same shipments.
    /// </summary>
    /// <param name="listParameters">
    /// One parameter per country (@country0, @country1, …; <see cref="SqlDialect.InList"/>) for a statement
    /// bound by hand, instead of the list parameter @countries that Dapper expands.
    /// </param>
    /// <param name="walkCountry">
    /// The statement reads FROM <see cref="CountryWalk"/> (a single-country jurisdiction): the jurisdiction and
    /// the position are conditions on jc, so the page is a range of the (country, shipment_id) index.
    /// </param>
    public (List<string> Conditions, FilterParameters Parameters) Filter(
        ShipmentCriteria criteria, IReadOnlyList<string> countries, string? after, int take, bool listParameters = false, bool walkCountry = false)
    {
        var conditions = new List<string>
        {
            walkCountry ? "jc.country = @country0"
            : listParameters
                ? $"""
                    EXISTS (SELECT 1 FROM shipment_countries jc
                            WHERE jc.shipment_id = s.shipment_id AND {database.Dialect.InList("jc.country", "country", countries.Count)})
                    """
                : InJurisdiction(database.Dialect),
        };
        if (after is not null)
        {
            // Walking a country, the position bounds both sides of the join: PostgreSQL merge-joins the two
            // indexes and, given it on jc alone, scanned shipments from the first one on every batch.
            conditions.Add(walkCountry ? "jc.shipment_id > @after AND s.shipment_id > @after" : "s.shipment_id > @after");
        }

        if (criteria.DestinationCountry.Length > 0)
        {
            conditions.Add("s.destination_country = @DestinationCountry");
        }

        if (criteria.OriginCountry.Length > 0)
        {
            conditions.Add("s.origin_country = @OriginCountry");
        }

        if (criteria.SellerId.Length > 0)
        {
            conditions.Add("s.seller_id = @SellerId");
        }

        if (criteria.DeclaredFrom is not null)
        {
            conditions.Add("s.declared_at >= @DeclaredFrom");
        }

        if (criteria.DeclaredTo is not null)
        {
            conditions.Add("s.declared_at < @DeclaredTo");
        }

        if (criteria.MinRiskScore is not null)
        {
            conditions.Add("s.risk_score >= @MinRiskScore");
        }

        if (criteria.ConsigneeNameContains.Length > 0)
        {
            conditions.Add(database.Dialect.ContainsIgnoreCase("s.consignee_name", "@ConsigneeNameContains"));
        }

        if (criteria.HsCodePrefix.Length > 0)
        {
            // The prefix is validated as digits only, so it needs no LIKE escaping.
            conditions.Add("EXISTS (SELECT 1 FROM shipment_goods g WHERE g.shipment_id = s.shipment_id AND g.hs_code LIKE @hsLike)");
        }

        return (conditions, new FilterParameters(
            countries, after, criteria.DestinationCountry, criteria.OriginCountry, criteria.SellerId, criteria.DeclaredFrom,
            criteria.DeclaredTo, criteria.MinRiskScore, criteria.ConsigneeNameContains, criteria.HsCodePrefix + "%", take));
    }

    /// <summary>The values of <see cref="Filter"/>'s parameters, by name (Dapper binds the properties a statement uses).</summary>
    internal sealed record FilterParameters(
        IReadOnlyList<string> Countries,
        string? After,
        string DestinationCountry,
        string OriginCountry,
        string SellerId,
        DateTime? DeclaredFrom,
        DateTime? DeclaredTo,
        int? MinRiskScore,
        string ConsigneeNameContains,
        string HsLike,
        int Take)
    {
        /// <summary>The same values as Dapper binds them (names as in the statement; Dapper expands @countries).</summary>
        public object ForDapper() => new
        {
            countries = Countries,
            country0 = Countries.Count > 0 ? Countries[0] : null,
            after = After,
            DestinationCountry,
            OriginCountry,
            SellerId,
            DeclaredFrom,
            DeclaredTo,
            MinRiskScore,
            ConsigneeNameContains,
            hsLike = HsLike,
            take = Take,
        };
    }

    public async Task<IReadOnlyList<GoodsRow>> GoodsAsync(DbConnection connection, IReadOnlyCollection<string> shipmentIds, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<GoodsRow>(new CommandDefinition(
            $"SELECT * FROM shipment_goods WHERE {database.Dialect.In("shipment_id", "@shipmentIds")} ORDER BY shipment_id, line_no",
            new { shipmentIds }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<IReadOnlyList<ListingRefRow>> ListingsAsync(DbConnection connection, IReadOnlyCollection<string> shipmentIds, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<ListingRefRow>(new CommandDefinition($"""
            SELECT DISTINCT g.shipment_id, l.listing_id, l.title, l.url
            FROM shipment_goods g JOIN listings l ON l.listing_id = g.listing_id
            WHERE {database.Dialect.In("g.shipment_id", "@shipmentIds")}
            ORDER BY g.shipment_id, l.listing_id
            """, new { shipmentIds }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);
}
