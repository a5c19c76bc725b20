using System.Text.Json;

namespace Gateway.Tests;

/// <summary>docs/operations.md is the configuration reference: every key of appsettings.json must be named there.</summary>
public sealed class OperationsDocTests
{
    private static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }

    private static IEnumerable<string> Leaves(JsonElement element, string prefix) => element.ValueKind == JsonValueKind.Object
        ? element.EnumerateObject().SelectMany(p => Leaves(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}"))
        : [prefix];

    [Fact]
    public void Every_setting_in_appsettings_json_is_documented_in_operations_md()
    {
        var root = Root();
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "src", "Gateway.Server", "appsettings.json")));
        var doc = File.ReadAllText(Path.Combine(root, "docs", "operations.md"));
        var leaves = Leaves(settings.RootElement, "").ToList();
        Assert.True(leaves.Count > 50, $"parsed {leaves.Count} settings");

        // A key is documented as `Full:Path` or, for sibling keys on one row, `Full:Parent:First` / `Second`.
        var missing = leaves.Where(key =>
        {
            if (doc.Contains($"`{key}`", StringComparison.Ordinal))
            {
                return false;
            }

            var parent = key[..key.LastIndexOf(':')];
            var name = key[(key.LastIndexOf(':') + 1)..];
            return !doc.Split('\n').Any(line => line.Contains($"`{parent}:", StringComparison.Ordinal) && line.Contains($"`{name}`", StringComparison.Ordinal)
                || line.Contains($"`{parent}:{name}` /", StringComparison.Ordinal));
        }).ToList();
        Assert.True(missing.Count == 0, "Not in docs/operations.md: " + string.Join(", ", missing));
    }
}
