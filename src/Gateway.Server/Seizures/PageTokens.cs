using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Gateway.Server.Seizures;

/// <summary>
/// Opaque page tokens for ListSeizures: the keyset position (created_at ticks, seizure_id) in base64url.
/// Not secret — every query is filtered by the caller's agency anyway, so a forged token can only
/// move within the caller's own seizures — but opaque, so the format may change.
/// </summary>
internal static class PageTokens
{
    private const string Version = "s1";

    public static string Encode(DateTime createdAt, string seizureId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Version}|{createdAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{seizureId}"));

    public static bool TryDecode(string token, out (DateTime CreatedAt, string SeizureId) position)
    {
        position = default;
        if (token.Length > 256)
        {
            return false;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('|');
            if (parts.Length != 3 || parts[0] != Version || parts[2].Length == 0
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks > DateTime.MaxValue.Ticks)
            {
                return false;
            }

            position = (new DateTime(ticks, DateTimeKind.Utc), parts[2]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
