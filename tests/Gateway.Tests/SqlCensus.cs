using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Server.Data;

namespace Gateway.Tests;

/// <summary>
/// Finds every SQL statement in src/Gateway.Server as a given dialect would send it, without running
/// anything: a small C# string-literal lexer over the sources, plus evaluation of interpolation holes.
///
/// What counts as SQL (house style writes SQL keywords in upper case):
/// - a string literal whose text starts with SELECT/INSERT/UPDATE/DELETE/WITH/MERGE — a statement;
/// - a literal that starts with AND/OR/WHERE/ORDER BY/EXISTS or is "column op @param" — a fragment of
///   a statement assembled at run time (search filters), parsed inside a stand-in SELECT;
/// - a call of the dialect's statement builders (Upsert, InsertIgnore, SelectForUpdate) — evaluated.
/// Holes are evaluated with the dialect: dialect calls with literal arguments, constants and static
/// column lists of the file's types, static helpers taking the dialect. Local variables stand for an
/// identifier (x). Anything else is reported as unresolved, so a new construct fails the test until
/// the census understands it — nothing escapes silently.
/// Not covered: the dialects' own files (tested directly) and migrations (generated and tested).
/// </summary>
internal static class SqlCensus
{
    private static readonly Regex StatementStart = new(@"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|MERGE)\b", RegexOptions.CultureInvariant);
    private static readonly Regex FragmentStart = new(
        @"^\s*(AND|OR|WHERE|ORDER BY|EXISTS\s*\()\s|^\s*[a-z_]+(\.[a-z_]+)?\s*(=|<>|>=|<=|<|>|LIKE)\s*@\w+",
        RegexOptions.CultureInvariant);
    private static readonly Regex DialectBuilderCall = new(
        @"\b(?:[Dd]ialect)\.(Upsert|InsertIgnore|SelectForUpdate)\(", RegexOptions.CultureInvariant);

    internal sealed record Statement(string Origin, string Sql);

    internal sealed record Result(List<Statement> Statements, List<string> Unresolved);

    public static Result Run(SqlDialect dialect)
    {
        var root = SourceRoot();
        var statements = new List<Statement>();
        var unresolved = new List<string>();
        var assembly = typeof(Database).Assembly;
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.StartsWith("Data/Migrations/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal)
                || relative.StartsWith("bin/", StringComparison.Ordinal) || relative is "Data/SqlDialect.cs" or "Data/SqlServerDialect.cs")
            {
                continue;
            }

            var source = File.ReadAllText(file);
            var types = TypesOf(assembly, source);
            var evaluator = new HoleEvaluator(dialect, types, assembly);
            foreach (var literal in Lexer.Literals(source))
            {
                var text = string.Concat(literal.Parts.Where(p => !p.IsHole).Select(p => p.Text));
                var origin = $"{relative}:{LineOf(source, literal.Start)}";
                var isStatement = StatementStart.IsMatch(literal.Parts.Count > 0 && !literal.Parts[0].IsHole ? literal.Parts[0].Text : "");
                var isFragment = !isStatement && FragmentStart.IsMatch(literal.Parts.Count > 0 && !literal.Parts[0].IsHole ? literal.Parts[0].Text : "");
                if (!isStatement && !isFragment)
                {
                    continue;
                }

                var sql = new StringBuilder();
                foreach (var part in literal.Parts)
                {
                    if (!part.IsHole)
                    {
                        sql.Append(part.Text);
                    }
                    else if (evaluator.TryEvaluate(part.Text, out var value))
                    {
                        sql.Append(value);
                    }
                    else
                    {
                        unresolved.Add($"{origin}: {{{part.Text}}}");
                    }
                }

                var result = sql.ToString();
                if (isFragment)
                {
                    var trimmed = result.TrimStart();
                    result = trimmed.StartsWith("WHERE", StringComparison.Ordinal)
                        ? $"SELECT 1 FROM t {result}"
                        : trimmed.StartsWith("AND", StringComparison.Ordinal) || trimmed.StartsWith("OR", StringComparison.Ordinal) || trimmed.StartsWith("ORDER BY", StringComparison.Ordinal)
                            ? $"SELECT 1 FROM t WHERE 1 = 1 {result}"
                            : $"SELECT 1 FROM t WHERE {result}";
                }

                statements.Add(new Statement(origin, result));
            }

            foreach (Match call in DialectBuilderCall.Matches(source))
            {
                var origin = $"{relative}:{LineOf(source, call.Index)}";
                var arguments = Lexer.CallArguments(source, call.Index + call.Length);
                if (evaluator.TryInvokeDialect(call.Groups[1].Value, arguments, out var sql))
                {
                    statements.Add(new Statement(origin, sql));
                }
                else
                {
                    unresolved.Add($"{origin}: dialect.{call.Groups[1].Value}({string.Join(", ", arguments)})");
                }
            }
        }

        return new Result(statements, unresolved);
    }

    private static int LineOf(string source, int index) => source.AsSpan(0, index).Count('\n') + 1;

    private static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Gateway.Server");
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("src/Gateway.Server not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The assembly's types declared in this source file (by name), nested types included.</summary>
    private static List<Type> TypesOf(Assembly assembly, string source)
    {
        var names = Regex.Matches(source, @"\b(?:class|record|struct)\s+(\w+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        return [.. assembly.GetTypes().Where(t => names.Contains(t.Name.Split('`')[0]))];
    }

    private sealed class HoleEvaluator(SqlDialect dialect, List<Type> fileTypes, Assembly assembly)
    {
        private const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

        public bool TryEvaluate(string hole, out string value)
        {
            hole = hole.Trim();
            value = "";
            // dialect.Member(args) / database.Dialect.Member(args) / dialect.Property
            var call = Regex.Match(hole, @"^(?:[\w!]+\.)*[Dd]ialect\.(\w+)(?:\((.*)\))?$", RegexOptions.Singleline);
            if (call.Success)
            {
                if (!call.Groups[2].Success)
                {
                    var property = typeof(SqlDialect).GetProperty(call.Groups[1].Value);
                    value = property?.GetValue(dialect) as string ?? "";
                    return property is not null;
                }

                return TryInvokeDialect(call.Groups[1].Value, Lexer.SplitArguments(call.Groups[2].Value), out value);
            }

            // A static helper of the file's (or another) type that takes the dialect: InJurisdiction(database.Dialect).
            var helper = Regex.Match(hole, @"^(?:(\w+)\.)?(\w+)\((?:[\w.]*[Dd]ialect)\)$");
            if (helper.Success)
            {
                var method = Candidates(helper.Groups[1].Success ? helper.Groups[1].Value : null)
                    .Select(t => t.GetMethod(helper.Groups[2].Value, Static, [typeof(SqlDialect)]))
                    .FirstOrDefault(m => m is not null);
                if (method?.Invoke(null, [dialect]) is string s)
                {
                    value = s;
                    return true;
                }

                return false;
            }

            // string.Join(separator, list) — a run-time list of conditions joined by AND stands for a predicate.
            var join = Regex.Match(hole, @"^string\.Join\((""[^""]*""),\s*(.+)\)$", RegexOptions.Singleline);
            if (join.Success)
            {
                var separator = Regex.Unescape(join.Groups[1].Value[1..^1]);
                if (TryList(join.Groups[2].Value.Trim(), out var items))
                {
                    value = string.Join(separator, items);
                    return true;
                }

                if (separator.Contains("AND", StringComparison.Ordinal) && Regex.IsMatch(join.Groups[2].Value.Trim(), @"^[a-z]\w*$"))
                {
                    value = "1 = 1"; // each condition is itself a literal fragment the census parses
                    return true;
                }

                return false;
            }

            if (Regex.IsMatch(hole, @"^[A-Z]\w*$") && TryConstant(hole, out value))
            {
                return true;
            }

            // A local variable or parameter: in SQL position it names a column (chosen from a fixed set).
            if (Regex.IsMatch(hole, @"^[a-z]\w*$"))
            {
                value = "x";
                return true;
            }

            return false;
        }

        public bool TryInvokeDialect(string name, IReadOnlyList<string> arguments, out string value)
        {
            value = "";
            var method = typeof(SqlDialect).GetMethods().SingleOrDefault(m => m.Name == name && m.GetParameters().Length == arguments.Count
                && m.GetParameters().All(p => p.ParameterType == typeof(string) || p.ParameterType == typeof(int) || p.ParameterType == typeof(IReadOnlyList<string>)));
            if (method is null)
            {
                return false;
            }

            var values = new object[arguments.Count];
            var parameters = method.GetParameters();
            for (var i = 0; i < arguments.Count; i++)
            {
                if (parameters[i].ParameterType == typeof(int))
                {
                    // A count known only at run time (e.g. how many countries a list holds): two stands for any.
                    values[i] = int.TryParse(arguments[i], out var n) ? n : 2;
                }
                else if (parameters[i].ParameterType == typeof(string))
                {
                    if (!TryString(arguments[i], out var s))
                    {
                        return false;
                    }

                    values[i] = s;
                }
                else
                {
                    if (!TryList(arguments[i], out var list))
                    {
                        return false;
                    }

                    values[i] = list;
                }
            }

            value = (string)method.Invoke(dialect, values)!;
            return true;
        }

        private bool TryString(string expression, out string value)
        {
            expression = expression.Trim();
            if (expression.StartsWith('"') && expression.EndsWith('"') && expression.Length >= 2)
            {
                value = Regex.Unescape(expression[1..^1]);
                return true;
            }

            // A local variable or parameter passed to a dialect call (Limit(limit)): a parameter name or a
            // literal value chosen at run time; a parameter stands for either.
            if (Regex.IsMatch(expression, @"^[a-z]\w*$"))
            {
                value = "@" + expression;
                return true;
            }

            return TryConstant(expression, out value);
        }

        private bool TryList(string expression, out List<string> items)
        {
            items = [];
            expression = expression.Trim();
            var select = Regex.Match(expression, @"^(.+)\.Select\((?:SqlDialect\.)?Parameter\)$");
            if (select.Success)
            {
                if (!TryList(select.Groups[1].Value, out var columns))
                {
                    return false;
                }

                items = [.. columns.Select(SqlDialect.Parameter)];
                return true;
            }

            if (expression.StartsWith('[') && expression.EndsWith(']'))
            {
                foreach (var item in Lexer.SplitArguments(expression[1..^1]))
                {
                    if (!TryString(item, out var s))
                    {
                        return false;
                    }

                    items.Add(s);
                }

                return true;
            }

            var field = Field(expression);
            if (field?.GetValue(null) is not string && field?.GetValue(null) is IEnumerable<string> list)
            {
                items = [.. list];
                return true;
            }

            return false;
        }

        private bool TryConstant(string name, out string value)
        {
            var field = Field(name);
            value = field?.GetValue(null) as string ?? "";
            return field is not null && field.FieldType == typeof(string);
        }

        private FieldInfo? Field(string expression)
        {
            var parts = expression.Split('.');
            return parts.Length switch
            {
                1 => Candidates(null).Select(t => t.GetField(parts[0], Static)).FirstOrDefault(f => f is not null),
                2 => Candidates(parts[0]).Select(t => t.GetField(parts[1], Static)).FirstOrDefault(f => f is not null),
                _ => null,
            };
        }

        /// <summary>The named type, or the file's own types first and then the whole assembly.</summary>
        private IEnumerable<Type> Candidates(string? typeName) => typeName is null
            ? fileTypes.Concat(assembly.GetTypes())
            : assembly.GetTypes().Where(t => t.Name == typeName);
    }

    /// <summary>Just enough of C#'s lexical grammar to find string literals and their interpolation holes.</summary>
    private static class Lexer
    {
        internal sealed record Part(string Text, bool IsHole);

        internal sealed record Literal(int Start, List<Part> Parts);

        public static IEnumerable<Literal> Literals(string s)
        {
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == '/' && i + 1 < s.Length && s[i + 1] == '/')
                {
                    i = s.IndexOf('\n', i) is var n and >= 0 ? n : s.Length;
                }
                else if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
                {
                    i = s.IndexOf("*/", i + 2, StringComparison.Ordinal) + 2;
                }
                else if (c == '\'')
                {
                    i = SkipChar(s, i);
                }
                else if (c == '"' || ((c == '$' || c == '@') && NextQuote(s, i) is >= 0))
                {
                    var start = i;
                    var (end, parts) = ReadString(s, i);
                    yield return new Literal(start, parts);
                    i = end;
                }
                else
                {
                    i++;
                }
            }
        }

        /// <summary>The top-level, comma-separated arguments of the call whose '(' was just passed.</summary>
        public static List<string> CallArguments(string s, int afterParen)
        {
            var depth = 0;
            var i = afterParen;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == '"' || c == '$' || c == '@')
                {
                    i = ReadString(s, i).End;
                    continue;
                }

                if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']' or '}')
                {
                    if (depth == 0)
                    {
                        break;
                    }

                    depth--;
                }

                i++;
            }

            return SplitArguments(s[afterParen..i]);
        }

        public static List<string> SplitArguments(string s)
        {
            var result = new List<string>();
            var depth = 0;
            var start = 0;
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == '"')
                {
                    i = ReadString(s, i).End;
                    continue;
                }

                if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']' or '}')
                {
                    depth--;
                }
                else if (c == ',' && depth == 0)
                {
                    result.Add(s[start..i].Trim());
                    start = i + 1;
                }

                i++;
            }

            if (s[start..].Trim().Length > 0)
            {
                result.Add(s[start..].Trim());
            }

            return result;
        }

        private static int NextQuote(string s, int i)
        {
            while (i < s.Length && (s[i] == '$' || s[i] == '@'))
            {
                i++;
            }

            return i < s.Length && s[i] == '"' ? i : -1;
        }

        private static int SkipChar(string s, int i)
        {
            i++;
            while (i < s.Length && s[i] != '\'')
            {
                i += s[i] == '\\' ? 2 : 1;
            }

            return i + 1;
        }

        private static (int End, List<Part> Parts) ReadString(string s, int i)
        {
            var dollars = 0;
            var verbatim = false;
            while (s[i] is '$' or '@')
            {
                dollars += s[i] == '$' ? 1 : 0;
                verbatim |= s[i] == '@';
                i++;
            }

            var quotes = 0;
            while (i + quotes < s.Length && s[i + quotes] == '"')
            {
                quotes++;
            }

            var raw = quotes >= 3;
            if (!raw)
            {
                quotes = 1;
                if (i + 1 < s.Length && s[i + 1] == '"' && !(i + 2 < s.Length && s[i + 2] == '"'))
                {
                    return (i + 2, [new Part("", false)]); // ""
                }
            }

            i += quotes;
            var parts = new List<Part>();
            var text = new StringBuilder();
            var braces = Math.Max(dollars, 1);
            while (i < s.Length)
            {
                if (raw && string.CompareOrdinal(s, i, new string('"', quotes), 0, quotes) == 0)
                {
                    i += quotes;
                    break;
                }

                var c = s[i];
                if (!raw && c == '"')
                {
                    if (verbatim && i + 1 < s.Length && s[i + 1] == '"')
                    {
                        text.Append('"');
                        i += 2;
                        continue;
                    }

                    i++;
                    break;
                }

                if (!raw && !verbatim && c == '\\')
                {
                    text.Append(s[i + 1] switch { 'n' => "\n", 't' => "\t", 'r' => "\r", '"' => "\"", '\\' => "\\", _ => s.Substring(i, 2) });
                    i += 2;
                    continue;
                }

                if (dollars > 0 && c == '{')
                {
                    if (!raw && i + 1 < s.Length && s[i + 1] == '{')
                    {
                        text.Append('{');
                        i += 2;
                        continue;
                    }

                    if (raw && string.CompareOrdinal(s, i, new string('{', braces), 0, braces) != 0)
                    {
                        text.Append(c);
                        i++;
                        continue;
                    }

                    parts.Add(new Part(text.ToString(), false));
                    text.Clear();
                    i += raw ? braces : 1;
                    var holeStart = i;
                    var depth = 0;
                    while (i < s.Length)
                    {
                        var h = s[i];
                        if (h == '"' || ((h == '$' || h == '@') && NextQuote(s, i) >= 0))
                        {
                            i = ReadString(s, i).End;
                            continue;
                        }

                        if (h == '\'')
                        {
                            i = SkipChar(s, i);
                            continue;
                        }

                        if (h is '(' or '[' or '{')
                        {
                            depth++;
                        }
                        else if (h is ')' or ']' or '}')
                        {
                            if (h == '}' && depth == 0)
                            {
                                break;
                            }

                            depth--;
                        }

                        i++;
                    }

                    var hole = s[holeStart..i];
                    // Drop an alignment or format clause: {value:N0}.
                    parts.Add(new Part(hole, true));
                    i += raw ? braces : 1;
                    continue;
                }

                if (!raw && dollars > 0 && c == '}' && i + 1 < s.Length && s[i + 1] == '}')
                {
                    text.Append('}');
                    i += 2;
                    continue;
                }

                text.Append(c);
                i++;
            }

            parts.Add(new Part(text.ToString(), false));
            parts.RemoveAll(p => !p.IsHole && p.Text.Length == 0 && parts.Count > 1);
            return (i, parts);
        }
    }
}
