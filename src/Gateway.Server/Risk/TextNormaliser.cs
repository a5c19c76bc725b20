using System.Globalization;
using System.Text;

namespace Gateway.Server.Risk;

/// <summary>
/// Folds free text (listing titles, goods descriptions) and vocabulary to one canonical "skeleton",
/// so that a pattern written once catches its disguises. Patterns and text go through the same
/// function, so the folding may be lossy (l and 1 and i are one letter here) as long as it is the same
/// on both sides. Two views come out:
/// <list type="bullet">
/// <item><b>words</b>: tokens separated by one space — matched with word boundaries;</item>
/// <item><b>compact</b>: the same tokens glued together — catches words split by separators
/// ("r.e.p.l.i.c.a", "gu cci"); a hit there only counts when it is made of whole tokens (see <see cref="RiskEngine"/>).</item>
/// </list>
/// Steps, in order: compatibility decomposition (NFKD: full-width, ligatures, accents become base + mark),
/// removal of marks and format characters (accents, zero-width space/joiners, word joiner, BOM, soft hyphen),
/// homoglyph folding (Cyrillic / Greek look-alikes → Latin), case folding, tokenising on anything that is not a
/// letter or digit, leetspeak inside tokens that contain a letter (r3pl1ca), l→i, and collapsing repeated letters
/// (repliiiica) — except a token that is one letter repeated (AAA), which is kept at three.
/// CJK is kept as is. Not thread-safe: one instance per thread (the engine keeps one per thread).
/// </summary>
internal sealed class TextNormaliser
{
    private static readonly char[] Homoglyphs = BuildHomoglyphs();

    private char[] token = new char[64];

    /// <summary>The words view: tokens separated by single spaces.</summary>
    public char[] Words = new char[256];
    public int WordsLength;

    /// <summary>The compact view: tokens glued (leet folded everywhere, repeats collapsed across the joins).</summary>
    public char[] Compact = new char[256];
    public int CompactLength;

    /// <summary>For each compact position: the index of the token it came from.</summary>
    public int[] CompactToken = new int[256];

    /// <summary>For each compact position: true when the letter also ended the previous token (collapsed across the join).</summary>
    public bool[] CompactShared = new bool[256];

    /// <summary>For each token: its length in the words view.</summary>
    public int[] TokenLength = new int[32];
    public int TokenCount;

    public ReadOnlySpan<char> WordsSpan => Words.AsSpan(0, WordsLength);

    public ReadOnlySpan<char> CompactSpan => Compact.AsSpan(0, CompactLength);

    /// <summary>The words view as a string (for vocabulary and brand names, built once).</summary>
    public static string Fold(string text)
    {
        var n = new TextNormaliser();
        n.Normalise(text);
        return new string(n.WordsSpan);
    }

    /// <summary>The compact view as a string.</summary>
    public static string FoldCompact(string text)
    {
        var n = new TextNormaliser();
        n.Normalise(text);
        return new string(n.CompactSpan);
    }

    public void Normalise(string text)
    {
        WordsLength = 0;
        CompactLength = 0;
        TokenCount = 0;
        ReadOnlySpan<char> source = text;
        if (!System.Text.Ascii.IsValid(source))
        {
            try
            {
                // NFKD = compatibility forms (full-width Ｒ, ligature ﬁ, circled letters) and accents split off in one call.
                source = text.Normalize(NormalizationForm.FormKD);
            }
            catch (ArgumentException)
            {
                // Lone surrogates: keep the raw text rather than refuse to score it.
            }
        }

        EnsureCapacity(source.Length);
        var tokenLength = 0;
        var hasLetter = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            int kind;
            if (c < 0x80)
            {
                if (c is >= 'A' and <= 'Z')
                {
                    c = (char)(c | 0x20);
                    kind = 1;
                }
                else if (c is >= 'a' and <= 'z')
                {
                    kind = 1;
                }
                else if (c is >= '0' and <= '9')
                {
                    kind = 2;
                }
                else if (c is '@' or '$' or '!' or '|')
                {
                    kind = 3;
                }
                else if (c == ':' && tokenLength > 0 && token[tokenLength - 1] is >= '0' and <= '9'
                         && i + 1 < source.Length && source[i + 1] is >= '0' and <= '9')
                {
                    // "1:1" stays one token: the ratio is the signal, not two numbers.
                    kind = 2;
                }
                else
                {
                    kind = 0;
                }
            }
            else
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(c);
                if (category is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
                    or UnicodeCategory.SpacingCombiningMark)
                {
                    // Zero-width characters and soft hyphens inside a word, and accents: as if absent.
                    continue;
                }

                var mapped = c < 0x0600 ? Homoglyphs[c] : '\0';
                if (mapped != '\0')
                {
                    c = mapped;
                    kind = 1;
                }
                else if (char.IsLetter(c))
                {
                    c = char.ToLowerInvariant(c);
                    mapped = c < 0x0600 ? Homoglyphs[c] : '\0';
                    if (mapped != '\0')
                    {
                        c = mapped;
                    }

                    kind = 1;
                }
                else
                {
                    kind = 0;
                }
            }

            if (kind == 0)
            {
                if (tokenLength > 0)
                {
                    EmitToken(tokenLength, hasLetter);
                    tokenLength = 0;
                    hasLetter = false;
                }

                continue;
            }

            if (tokenLength == token.Length)
            {
                Array.Resize(ref token, token.Length * 2);
            }

            token[tokenLength++] = c;
            hasLetter |= kind == 1;
        }

        if (tokenLength > 0)
        {
            EmitToken(tokenLength, hasLetter);
        }
    }

    private void EmitToken(int length, bool hasLetter)
    {
        // Leetspeak only inside tokens that have a letter: "r3pl1ca" is a word, "15" and "1:1" are numbers.
        var written = 0;
        for (var i = 0; i < length; i++)
        {
            var c = token[i];
            if (hasLetter)
            {
                c = Leet(c);
            }
            else if (c is '@' or '$' or '!' or '|')
            {
                continue;
            }

            if (c == 'l')
            {
                // l, 1, | and I look alike; one letter for all of them (the same on the pattern side).
                c = 'i';
            }

            token[written++] = c;
        }

        if (written == 0)
        {
            return;
        }

        // Repeated letters collapse (repliiiica, guuucci) — but a token that is one letter repeated
        // ("AAA", "AAAA") is kept at three: that is the grade, not a stutter.
        var single = written >= 3 && char.IsLetter(token[0]);
        for (var i = 1; single && i < written; i++)
        {
            single = token[i] == token[0];
        }

        if (single)
        {
            written = 3;
        }
        else
        {
            var w = 1;
            for (var i = 1; i < written; i++)
            {
                if (token[i] != token[w - 1] || !char.IsLetter(token[i]))
                {
                    token[w++] = token[i];
                }
            }

            written = w;
        }

        if (TokenCount > 0)
        {
            Words[WordsLength++] = ' ';
        }

        token.AsSpan(0, written).CopyTo(Words.AsSpan(WordsLength));
        WordsLength += written;

        if (TokenCount == TokenLength.Length)
        {
            Array.Resize(ref TokenLength, TokenLength.Length * 2);
        }

        TokenLength[TokenCount] = written;
        for (var i = 0; i < written; i++)
        {
            var c = token[i];
            if (c == ':')
            {
                continue;
            }

            c = Leet(c);
            if (c == 'l')
            {
                c = 'i';
            }

            // Collapse across the join too: "guc" + "ci" must read "guci" like "gucci" does. The shared letter
            // then belongs to the later token, so "bag gu cci" still has a token starting at the g of "gu".
            if (i == 0 && CompactLength > 0 && Compact[CompactLength - 1] == c && char.IsLetter(c) && !single)
            {
                CompactToken[CompactLength - 1] = TokenCount;
                CompactShared[CompactLength - 1] = true;
                continue;
            }

            Compact[CompactLength] = c;
            CompactToken[CompactLength] = TokenCount;
            CompactShared[CompactLength] = false;
            CompactLength++;
        }

        TokenCount++;
    }

    private static char Leet(char c) => c switch
    {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '@' => 'a',
        '$' => 's',
        '!' => 'i',
        '|' => 'i',
        _ => c,
    };

    private void EnsureCapacity(int length)
    {
        // Every input char yields at most one char in each view, plus one separator per token.
        var needed = (length * 2) + 2;
        if (Words.Length < needed)
        {
            Words = new char[needed];
            Compact = new char[needed];
            CompactToken = new int[needed];
            CompactShared = new bool[needed];
        }
    }

    /// <summary>Look-alikes of Latin letters in the Latin-extended, Greek and Cyrillic blocks (uppercase and lowercase).</summary>
    private static char[] BuildHomoglyphs()
    {
        var map = new char[0x0600];
        void Map(string from, char to)
        {
            foreach (var c in from)
            {
                map[c] = to;
            }
        }

        // Cyrillic, then Greek, then Latin letters NFKD does not decompose.
        Map("аА", 'a');
        Map("вВ", 'b');
        Map("еЕёЁєЄ", 'e');
        Map("кКќЌ", 'k');
        Map("мМ", 'm');
        Map("нН", 'h');
        Map("оО", 'o');
        Map("рР", 'p');
        Map("сСϲϹ", 'c');
        Map("тТ", 't');
        Map("уУўЎ", 'y');
        Map("хХ", 'x');
        Map("іІїЇӀ", 'i');
        Map("јЈ", 'j');
        Map("ѕЅ", 's');
        Map("һҺ", 'h');
        Map("ԁ", 'd');
        Map("ԛԚ", 'q');
        Map("ԝԜ", 'w');
        Map("αΑ", 'a');
        Map("βΒ", 'b');
        Map("εΕ", 'e');
        Map("Η", 'h');
        Map("η", 'n');
        Map("ιΙ", 'i');
        Map("κΚ", 'k');
        Map("Μ", 'm');
        Map("νΝ", 'n');
        Map("οΟ", 'o');
        Map("ρΡ", 'p');
        Map("τΤ", 't');
        Map("υΥ", 'y');
        Map("χΧ", 'x');
        Map("Ζ", 'z');
        Map("ıł", 'i');
        Map("øØ", 'o');
        Map("đĐ", 'd');
        return map;
    }
}
