using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Server.Risk;

/// <summary>Reasons as stored in shipments.risk_reasons and leads.reasons: JSON [{code, detail, weight}] (read by Shipments/ShipmentMapping.cs).</summary>
internal static class RiskJson
{
    public static string Serialize(IReadOnlyList<RiskReason> reasons)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var reason in reasons)
            {
                writer.WriteStartObject();
                writer.WriteString("code", reason.Code);
                writer.WriteString("detail", reason.Detail);
                writer.WriteNumber("weight", reason.Weight);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static List<RiskReason> Deserialize(string json)
    {
        var reasons = new List<RiskReason>();
        foreach (var element in JsonDocument.Parse(json).RootElement.EnumerateArray())
        {
            reasons.Add(new RiskReason(element.GetProperty("code").GetString() ?? "", element.GetProperty("detail").GetString() ?? "",
                element.GetProperty("weight").GetInt32()));
        }

        return reasons;
    }
}
