using System.Text.Json;
using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Server.Shipments;

/// <summary>Row → contract, projecting only the requested data subsets (fields of other subsets stay empty).</summary>
internal static class ShipmentMapping
{
    public static Shipment ToContract(
        ShipmentRow row,
        IEnumerable<GoodsRow> goods,
        IEnumerable<ListingRefRow> listings,
        IReadOnlySet<DataSubset> subsets)
    {
        var shipment = new Shipment();
        if (subsets.Contains(DataSubset.ShipmentCore))
        {
            shipment.ShipmentId = row.ShipmentId;
            shipment.TrackingNumber = row.TrackingNumber;
            shipment.Mrn = row.Mrn;
            shipment.PlatformOrderId = row.PlatformOrderId;
            shipment.SellerId = row.SellerId;
            shipment.OriginCountry = row.OriginCountry;
            shipment.DestinationCountry = row.DestinationCountry;
            shipment.CountriesOfRouting.AddRange(SplitCountries(row.CountriesOfRouting));
            shipment.Carrier = row.Carrier;
            shipment.TransportMode = row.TransportMode;
            shipment.DeclaredAt = Timestamp.FromDateTime(row.DeclaredAt);
            shipment.ShippedAt = Timestamp.FromDateTime(row.ShippedAt);
            foreach (var line in goods)
            {
                shipment.Goods.Add(new GoodsItem
                {
                    Description = line.Description,
                    HsCode = line.HsCode,
                    Quantity = line.Quantity,
                    GrossMassGrams = line.GrossMassGrams,
                    IntrinsicValue = new Money { AmountMinor = line.ValueMinor, Currency = line.Currency },
                    CountryOfOrigin = line.CountryOfOrigin,
                    Brand = line.Brand,
                    ListingId = line.ListingId,
                });
            }

            if (row.RiskScore is { } score)
            {
                shipment.Risk = new RiskAssessment
                {
                    Score = score,
                    ScoredAt = row.ScoredAt is { } at ? Timestamp.FromDateTime(at) : null,
                };
                shipment.Risk.Reasons.AddRange(ParseReasons(row.RiskReasons));
            }
        }
        else
        {
            // Without the core subset the id is still needed to tell records apart.
            shipment.ShipmentId = row.ShipmentId;
        }

        if (subsets.Contains(DataSubset.ShipmentParties))
        {
            shipment.Consignor = Party(row.ConsignorName, row.ConsignorAddress, row.ConsignorPostcode, row.ConsignorCity,
                row.ConsignorCountry, row.ConsignorEmail, row.ConsignorPhone, row.ConsignorEori);
            shipment.Consignee = Party(row.ConsigneeName, row.ConsigneeAddress, row.ConsigneePostcode, row.ConsigneeCity,
                row.ConsigneeCountry, row.ConsigneeEmail, row.ConsigneePhone, row.ConsigneeEori);
        }

        if (subsets.Contains(DataSubset.Listings))
        {
            foreach (var listing in listings)
            {
                shipment.Listings.Add(new ListingRef { ListingId = listing.ListingId, Title = listing.Title, Url = listing.Url });
            }
        }

        return shipment;
    }

    public static IEnumerable<string> SplitCountries(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Party Party(string name, string address, string postcode, string city, string country, string email, string phone, string eori)
    {
        var party = new Party { Name = name, Postcode = postcode, City = city, Country = country, Email = email, Phone = phone, Eori = eori };
        party.AddressLines.AddRange(address.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return party;
    }

    private static IEnumerable<RiskReason> ParseReasons(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            yield break;
        }

        foreach (var element in JsonDocument.Parse(json).RootElement.EnumerateArray())
        {
            yield return new RiskReason
            {
                Code = element.GetProperty("code").GetString() ?? "",
                Detail = element.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "",
                Weight = element.TryGetProperty("weight", out var w) ? w.GetInt32() : 0,
            };
        }
    }
}
