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
    public string InJurisdiction => $"""
        EXISTS (SELECT 1 FROM shipment_countries jc
                WHERE jc.shipment_id = s.shipment_id AND {database.Dialect.In("jc.country", "@countries")})
        """;

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
            WHERE {column} = @value AND {InJurisdiction}
            ORDER BY s.ingest_seq DESC
            {database.Dialect.Limit("1")}
            """;
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ShipmentRow>(
            new CommandDefinition(sql, new { value, countries }, cancellationToken: cancellationToken));
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
