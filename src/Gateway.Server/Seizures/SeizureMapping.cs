using Gateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Server.Seizures;

/// <summary>Row → contract.</summary>
internal static class SeizureMapping
{
    public static Seizure ToContract(SeizureRow row, IEnumerable<SeizureItemRow> items)
    {
        var seizure = new Seizure
        {
            SeizureId = row.SeizureId,
            AgencyReference = row.AgencyReference,
            ShipmentId = row.ShipmentId,
            LeadId = row.LeadId ?? "",
            CustomsOffice = row.CustomsOffice,
            DetainedAt = Timestamp.FromDateTime(row.DetainedAt),
            Procedure = ContractNames<SeizureProcedure>.Parse(row.Procedure),
            Status = ContractNames<SeizureStatus>.Parse(row.Status),
            HolderResponseDue = Timestamp.FromDateTime(row.HolderResponseDue),
            CreatedAt = Timestamp.FromDateTime(row.CreatedAt),
            UpdatedAt = Timestamp.FromDateTime(row.UpdatedAt),
            AgencyId = row.AgencyId,
        };
        foreach (var item in items.Where(i => i.SeizureId == row.SeizureId))
        {
            seizure.Items.Add(new SeizedItem
            {
                Brand = item.Brand,
                Category = item.Category,
                Quantity = item.Quantity,
                InfringementType = ContractNames<InfringementType>.Parse(item.InfringementType),
                EstimatedValue = item.Currency.Length == 0 ? null : new Money { AmountMinor = item.ValueMinor, Currency = item.Currency },
            });
        }

        return seizure;
    }
}
