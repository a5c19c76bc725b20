namespace Gateway.Server.Risk;

/// <summary>Receives the matches of a <see cref="PatternMatcher"/> scan (a struct, so the call is inlined, not a delegate).</summary>
internal interface IMatchSink
{
    /// <param name="pattern">Index of the pattern in the list the matcher was built from.</param>
    /// <param name="end">Index of the last character of the match in the scanned text.</param>
    void OnMatch(int pattern, int end);
}

/// <summary>
/// Aho–Corasick over already-normalised text: all patterns in one pass, O(text length + matches),
/// whatever the number of patterns — a loop of regexes would be O(text × patterns).
/// Built once, immutable, so one instance serves every thread. The automaton is a full DFA
/// (failure transitions precomputed) over a compact alphabet: every character that occurs in a pattern
/// gets a class, all others share class 0 — which always leads back to the root — so a step is two array
/// reads (class of the char, next state).
/// </summary>
internal sealed class PatternMatcher
{
    private readonly ushort[] classOf = new ushort[char.MaxValue + 1];
    private readonly int classCount;
    private readonly int[] next;
    private readonly int[] outputStart;
    private readonly int[] outputs;

    public PatternMatcher(IReadOnlyList<string> patterns)
    {
        Lengths = patterns.Select(p => p.Length).ToArray();
        ushort classes = 1;
        foreach (var pattern in patterns)
        {
            foreach (var c in pattern)
            {
                if (classOf[c] == 0)
                {
                    classOf[c] = classes++;
                }
            }
        }

        classCount = classes;

        // 1. The trie (goto function), with the patterns ending at each node.
        var children = new List<Dictionary<int, int>> { new() };
        var ending = new List<List<int>> { new() };
        for (var p = 0; p < patterns.Count; p++)
        {
            if (patterns[p].Length == 0)
            {
                continue;
            }

            var state = 0;
            foreach (var c in patterns[p])
            {
                var k = classOf[c];
                if (!children[state].TryGetValue(k, out var child))
                {
                    child = children.Count;
                    children.Add([]);
                    ending.Add([]);
                    children[state][k] = child;
                }

                state = child;
            }

            ending[state].Add(p);
        }

        // 2. Failure links breadth-first, folding each node's failure outputs into its own and
        //    filling the DFA row from the failure state's row (already complete: it is shallower).
        var stateCount = children.Count;
        next = new int[stateCount * classCount];
        var fail = new int[stateCount];
        var queue = new Queue<int>();
        foreach (var (k, child) in children[0])
        {
            next[k] = child;
            queue.Enqueue(child);
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            var f = fail[state];
            ending[state].AddRange(ending[f]);
            Array.Copy(next, f * classCount, next, state * classCount, classCount);
            foreach (var (k, child) in children[state])
            {
                fail[child] = next[(f * classCount) + k];
                next[(state * classCount) + k] = child;
                queue.Enqueue(child);
            }
        }

        outputStart = new int[stateCount + 1];
        var all = new List<int>();
        for (var s = 0; s < stateCount; s++)
        {
            outputStart[s] = all.Count;
            all.AddRange(ending[s]);
        }

        outputStart[stateCount] = all.Count;
        outputs = [.. all];
        StateCount = stateCount;
    }

    /// <summary>Length of each pattern, so a sink can work out where a match starts.</summary>
    public int[] Lengths { get; }

    public int StateCount { get; }

    public void Scan<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : struct, IMatchSink
    {
        var state = 0;
        var table = next;
        var classes = classOf;
        var width = classCount;
        for (var i = 0; i < text.Length; i++)
        {
            state = table[(state * width) + classes[text[i]]];
            var from = outputStart[state];
            var to = outputStart[state + 1];
            for (var o = from; o < to; o++)
            {
                sink.OnMatch(outputs[o], i);
            }
        }
    }
}
