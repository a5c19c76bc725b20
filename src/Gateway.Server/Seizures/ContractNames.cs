using System.Reflection;
using Google.Protobuf.Reflection;

namespace Gateway.Server.Seizures;

/// <summary>
/// The contract's fixed enum names ("CONFIRMED_COUNTERFEIT", not the C# "ConfirmedCounterfeit"), read
/// from the generated code's [OriginalName] attributes: these names are what the database stores, so
/// the stored values are the contract's and survive a regeneration of the C# code.
/// </summary>
internal static class ContractNames<T>
    where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(f => (T)f.GetValue(null)!, f => f.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? f.Name);

    private static readonly Dictionary<string, T> Values = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Defined, non-zero values only (the zero value means "not set").</summary>
    public static bool IsSet(T value) => Names.ContainsKey(value) && Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) != 0;

    public static string Name(T value) =>
        Names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a value of the contract.");

    public static T Parse(string name) =>
        Values.TryGetValue(name, out var value) ? value : throw new FormatException($"'{name}' is not a {typeof(T).Name} of the contract.");

    public static IEnumerable<string> SetNames => Names.Where(p => IsSet(p.Key)).Select(p => p.Value);
}
