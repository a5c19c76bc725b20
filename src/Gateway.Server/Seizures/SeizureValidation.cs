using System.Security.Cryptography;
using Gateway.Contracts.V1;
using Gateway.Server.Grpc;
using Gateway.Server.Shipments;

namespace Gateway.Server.Seizures;

/// <summary>A report that passed validation, normalised for storage.</summary>
internal sealed record SeizureReport(
    string RequestId,
    string Fingerprint,
    ShipmentQueries.Key ShipmentKey,
    string ShipmentRef,
    string AgencyReference,
    string? LeadId,
    string CustomsOffice,
    DateTime DetainedAt,
    SeizureProcedure Procedure,
    IReadOnlyList<SeizureItemRow> Items);

/// <summary>
/// Input checks of the seizure RPCs. Everything wrong is reported at once as google.rpc.BadRequest
/// field violations (paths like "seizure.items[2].quantity"), and nothing is written.
/// </summary>
internal static class SeizureValidation
{
    public const int MaxIdLength = 64;
    public const int MaxItems = 200;
    public const int MaxBrandLength = 200;
    public const int MaxCategoryLength = 100;
    public const int MaxNoteLength = 4000;

    /// <summary>Agencies' clocks drift: a detention stamped slightly ahead of ours is still accepted.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private static readonly DateTime Earliest = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static SeizureReport ValidateReport(ReportSeizureRequest request, DateTime nowUtc)
    {
        var violations = new List<(string, string)>();
        var requestId = RequestId(request.RequestId, "request_id", violations);

        var seizure = request.Seizure;
        if (seizure is null)
        {
            violations.Add(("seizure", "The seizure is required."));
            throw Invalid(violations);
        }

        var (key, shipmentRef) = seizure.ShipmentRefCase switch
        {
            Seizure.ShipmentRefOneofCase.ShipmentId => (ShipmentQueries.Key.ShipmentId, seizure.ShipmentId.Trim()),
            Seizure.ShipmentRefOneofCase.TrackingNumber => (ShipmentQueries.Key.TrackingNumber, seizure.TrackingNumber.Trim()),
            _ => (ShipmentQueries.Key.ShipmentId, ""),
        };
        if (seizure.ShipmentRefCase == Seizure.ShipmentRefOneofCase.None)
        {
            violations.Add(("seizure.shipment_ref", "Set exactly one of shipment_id or tracking_number."));
        }
        else if (shipmentRef.Length is 0 or > MaxIdLength)
        {
            var field = key == ShipmentQueries.Key.ShipmentId ? "seizure.shipment_id" : "seizure.tracking_number";
            violations.Add((field, $"Must be 1 to {MaxIdLength} characters."));
        }

        Length(seizure.AgencyReference, "seizure.agency_reference", MaxIdLength, required: false, violations);
        Length(seizure.LeadId, "seizure.lead_id", MaxIdLength, required: false, violations);
        Length(seizure.CustomsOffice, "seizure.customs_office", MaxIdLength, required: true, violations);

        var detainedAt = DateTime.MinValue;
        if (seizure.DetainedAt is null)
        {
            violations.Add(("seizure.detained_at", "The time of detention is required."));
        }
        else if (!TryToDateTime(seizure.DetainedAt, out detainedAt) || detainedAt < Earliest)
        {
            violations.Add(("seizure.detained_at", "Not a valid time of detention."));
        }
        else if (detainedAt > nowUtc + ClockSkew)
        {
            violations.Add(("seizure.detained_at", "The time of detention is in the future."));
        }

        if (!ContractNames<SeizureProcedure>.IsSet(seizure.Procedure))
        {
            violations.Add(("seizure.procedure", $"Required: one of {string.Join(", ", ContractNames<SeizureProcedure>.SetNames)}."));
        }

        var items = new List<SeizureItemRow>();
        if (seizure.Items.Count == 0)
        {
            violations.Add(("seizure.items", "At least one item is required."));
        }
        else if (seizure.Items.Count > MaxItems)
        {
            violations.Add(("seizure.items", $"At most {MaxItems} items."));
        }
        else
        {
            for (var i = 0; i < seizure.Items.Count; i++)
            {
                items.Add(Item(seizure.Items[i], i, violations));
            }
        }

        if (violations.Count > 0)
        {
            throw Invalid(violations);
        }

        return new SeizureReport(
            requestId, Fingerprint(seizure), key, shipmentRef, seizure.AgencyReference.Trim(),
            string.IsNullOrWhiteSpace(seizure.LeadId) ? null : seizure.LeadId.Trim(),
            seizure.CustomsOffice.Trim(), detainedAt, seizure.Procedure, items);
    }

    public static (string RequestId, string SeizureId, SeizureStatus Status, string Note) ValidateUpdate(UpdateSeizureStatusRequest request)
    {
        var violations = new List<(string, string)>();
        var requestId = RequestId(request.RequestId, "request_id", violations);
        Length(request.SeizureId, "seizure_id", MaxIdLength, required: true, violations);
        if (!ContractNames<SeizureStatus>.IsSet(request.Status))
        {
            violations.Add(("status", $"Required: one of {string.Join(", ", ContractNames<SeizureStatus>.SetNames)}."));
        }

        Length(request.Note, "note", MaxNoteLength, required: false, violations);
        if (violations.Count > 0)
        {
            throw Invalid(violations);
        }

        return (requestId, request.SeizureId.Trim(), request.Status, request.Note);
    }

    public static string SeizureId(string value)
    {
        var violations = new List<(string, string)>();
        Length(value, "seizure_id", MaxIdLength, required: true, violations);
        return violations.Count > 0 ? throw Invalid(violations) : value.Trim();
    }

    /// <summary>
    /// SHA-256 of the reported payload without its output-only fields. Retries send the same bytes;
    /// protobuf serialisation of a message without maps is deterministic (fields in number order).
    /// </summary>
    public static string Fingerprint(Seizure seizure)
    {
        var input = seizure.Clone();
        input.SeizureId = "";
        input.Status = SeizureStatus.Unspecified;
        input.HolderResponseDue = null;
        input.CreatedAt = null;
        input.UpdatedAt = null;
        input.AgencyId = "";
        return Convert.ToHexStringLower(SHA256.HashData(Google.Protobuf.MessageExtensions.ToByteArray(input)));
    }

    private static SeizureItemRow Item(SeizedItem item, int index, List<(string, string)> violations)
    {
        var path = $"seizure.items[{index}]";
        Length(item.Brand, path + ".brand", MaxBrandLength, required: true, violations);
        Length(item.Category, path + ".category", MaxCategoryLength, required: true, violations);
        if (item.Quantity <= 0)
        {
            violations.Add((path + ".quantity", "Must be greater than 0."));
        }

        if (!ContractNames<InfringementType>.IsSet(item.InfringementType))
        {
            violations.Add((path + ".infringement_type", $"Required: one of {string.Join(", ", ContractNames<InfringementType>.SetNames)}."));
        }

        // The estimated value is optional; when given it must be a real amount in an ISO 4217 code.
        var value = item.EstimatedValue;
        if (value is not null)
        {
            if (value.AmountMinor < 0)
            {
                violations.Add((path + ".estimated_value.amount_minor", "Must not be negative."));
            }

            if (value.Currency.Length != 3 || !value.Currency.All(char.IsAsciiLetterUpper))
            {
                violations.Add((path + ".estimated_value.currency", "An ISO 4217 code in upper case, e.g. EUR."));
            }
        }

        return new SeizureItemRow
        {
            LineNo = index + 1,
            Brand = item.Brand.Trim(),
            Category = item.Category.Trim(),
            Quantity = item.Quantity,
            InfringementType = ContractNames<InfringementType>.IsSet(item.InfringementType) ? ContractNames<InfringementType>.Name(item.InfringementType) : "",
            ValueMinor = value?.AmountMinor ?? 0,
            Currency = value?.Currency ?? "",
        };
    }

    /// <summary>A UUID in any of .NET's accepted spellings, stored in one canonical form so retries match.</summary>
    private static string RequestId(string value, string field, List<(string, string)> violations)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            violations.Add((field, "A client-generated UUID is required (it makes retries safe)."));
            return "";
        }

        if (value.Length > MaxIdLength || !Guid.TryParse(value, out var id))
        {
            violations.Add((field, "Must be a UUID, e.g. 3f2c1d4e-8a9b-4c7d-9e0f-112233445566."));
            return "";
        }

        return id.ToString("D");
    }

    private static void Length(string value, string field, int max, bool required, List<(string, string)> violations)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            violations.Add((field, "Required."));
        }
        else if (value.Length > max)
        {
            violations.Add((field, $"At most {max} characters."));
        }
    }

    private static bool TryToDateTime(Google.Protobuf.WellKnownTypes.Timestamp timestamp, out DateTime value)
    {
        try
        {
            value = timestamp.ToDateTime();
            return true;
        }
        catch (InvalidOperationException)
        {
            // Out of range seconds or nanos.
            value = DateTime.MinValue;
            return false;
        }
    }

    private static global::Grpc.Core.RpcException Invalid(List<(string, string)> violations) =>
        RpcErrors.InvalidArgument("The request is invalid.", [.. violations]);
}
