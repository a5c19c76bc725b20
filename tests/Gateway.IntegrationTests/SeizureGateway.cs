using Dapper;
using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Shipments;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests;

/// <summary>A gateway with French public holidays configured, and helpers for seizure tests.</summary>
public sealed class SeizureGateway : GatewayServer
{
    // Thu 25 Dec 2025 and Thu 1 Jan 2026 are holidays; Sat 27 Dec 2025 is one on a weekend.
    protected override IEnumerable<string> AdditionalArgs() =>
    [
        "--Gateway:Seizures:ExclusionStrikeThreshold=3",
        "--Gateway:Seizures:Holidays:FR:0=2025-12-25",
        "--Gateway:Seizures:Holidays:FR:1=2025-12-27",
        "--Gateway:Seizures:Holidays:FR:2=2026-01-01",
    ];

    internal Database Database => Services.GetRequiredService<Database>();

    /// <summary>A shipment of its own (so strikes of one test do not count in another), by the ingest code path.</summary>
    internal async Task<string> AddShipmentAsync(string sellerId, string destination, params string[] routing)
    {
        var id = "SHP-T-" + Guid.NewGuid().ToString("N")[..12];
        var now = Clock.GetUtcNow().UtcDateTime;
        var shipment = new Shipment
        {
            ShipmentId = id, TrackingNumber = "TT" + id[^10..], SellerId = sellerId, OriginCountry = "CN", DestinationCountry = destination,
            Carrier = "China Post", TransportMode = "AIR", DeclaredAt = Timestamp.FromDateTime(now), ShippedAt = Timestamp.FromDateTime(now),
            Goods = { new GoodsItem { Description = "watch", HsCode = "910211", Quantity = 1, Brand = "Rolex",
                IntrinsicValue = new Money { AmountMinor = 1500, Currency = "EUR" }, CountryOfOrigin = "CN" } },
        };
        shipment.CountriesOfRouting.AddRange(routing);
        await using var connection = await Database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Services.GetRequiredService<ShipmentWriter>().UpsertAsync(connection, transaction, shipment);
        await transaction.CommitAsync();
        return id;
    }

    internal async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var connection = await Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    internal static string NewSellerId() => "SEL-T-" + Guid.NewGuid().ToString("N")[..10];
}

internal static class SeizureCalls
{
    public static ReportSeizureRequest Report(string? shipmentId = null, string? trackingNumber = null, DateTime? detainedAt = null, string? requestId = null)
    {
        var seizure = new Seizure
        {
            AgencyReference = "DET-" + Guid.NewGuid().ToString("N")[..8],
            CustomsOffice = "FR000730",
            DetainedAt = Timestamp.FromDateTime(detainedAt ?? DateTime.UtcNow.AddHours(-1)),
            Procedure = SeizureProcedure.SmallConsignment,
            Items =
            {
                new SeizedItem { Brand = "Gucci", Category = "handbags", Quantity = 2, InfringementType = InfringementType.Trademark,
                    EstimatedValue = new Money { AmountMinor = 250000, Currency = "EUR" } },
                new SeizedItem { Brand = "Gucci", Category = "belts", Quantity = 5, InfringementType = InfringementType.Trademark },
            },
        };
        if (trackingNumber is not null)
        {
            seizure.TrackingNumber = trackingNumber;
        }
        else
        {
            seizure.ShipmentId = shipmentId ?? throw new ArgumentNullException(nameof(shipmentId));
        }

        return new ReportSeizureRequest { Context = Calls.Context(), RequestId = requestId ?? Guid.NewGuid().ToString(), Seizure = seizure };
    }

    public static UpdateSeizureStatusRequest Update(string seizureId, SeizureStatus status, string? requestId = null, string note = "") => new()
    {
        Context = Calls.Context(),
        RequestId = requestId ?? Guid.NewGuid().ToString(),
        SeizureId = seizureId,
        Status = status,
        Note = note,
    };

    public static GetSeizureRequest Get(string seizureId) => new() { Context = Calls.Context(), SeizureId = seizureId };
}
