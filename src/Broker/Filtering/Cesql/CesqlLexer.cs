using System.Text;

namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>The kinds of CESQL token.</summary>
internal enum CesqlTokenKind
{
    Integer,
    String,
    Identifier,
    Keyword,
    Symbol,
    End,
}

/// <summary>One token: its kind, its text (keywords upper-cased, strings unquoted) and where it starts.</summary>
internal readonly record struct CesqlToken(CesqlTokenKind Kind, string Text, int Position)
{
    public bool Is(string keywordOrSymbol) => Kind is CesqlTokenKind.Keyword or CesqlTokenKind.Symbol && Text == keywordOrSymbol;
}

/// <summary>
/// Splits a CESQL expression into tokens (CloudEvents SQL v1, section 2; the spec's CESQLLexer.g4): keywords are
/// case-insensitive, strings are single- or double-quoted with the quote escaped by a backslash (or doubled);
/// other backslashes are kept, for <c>LIKE</c>'s own escapes.
/// </summary>
internal static class CesqlLexer
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "AND", "OR", "XOR", "NOT", "LIKE", "EXISTS", "IN", "TRUE", "FALSE",
    };

    public static List<CesqlToken> Tokenize(string expression)
    {
        var tokens = new List<CesqlToken>();
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c is '\'' or '"')
            {
                tokens.Add(new CesqlToken(CesqlTokenKind.String, ReadString(expression, ref i), start));
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '_'))
                {
                    i++;
                }

                var word = expression[start..i];
                var upper = word.ToUpperInvariant();
                tokens.Add(word.All(char.IsAsciiDigit) ? new CesqlToken(CesqlTokenKind.Integer, word, start)
                    : Keywords.Contains(upper) ? new CesqlToken(CesqlTokenKind.Keyword, upper, start)
                    : new CesqlToken(CesqlTokenKind.Identifier, word, start));
            }
            else
            {
                var two = i + 1 < expression.Length ? expression.Substring(i, 2) : string.Empty;
                if (two is "!=" or "<>" or ">=" or "<=")
                {
                    tokens.Add(new CesqlToken(CesqlTokenKind.Symbol, two, start));
                    i += 2;
                }
                else if ("()=<>+-*/%,".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(new CesqlToken(CesqlTokenKind.Symbol, c.ToString(), start));
                    i++;
                }
                else
                {
                    throw new CesqlParseException(expression, i, $"unexpected character '{c}'");
                }
            }
        }

        tokens.Add(new CesqlToken(CesqlTokenKind.End, string.Empty, expression.Length));
        return tokens;
    }

    private static string ReadString(string expression, ref int i)
    {
        var quote = expression[i];
        var start = i++;
        var text = new StringBuilder();
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c == '\\' && i + 1 < expression.Length)
            {
                // \' in '…' and \" in "…" are the quote; any other escape stays as written (LIKE reads \% and \_).
                if (expression[i + 1] != quote)
                {
                    text.Append(c);
                }

                text.Append(expression[i + 1]);
                i += 2;
            }
            else if (c == quote && i + 1 < expression.Length && expression[i + 1] == quote)
            {
                text.Append(quote);
                i += 2;
            }
            else if (c == quote)
            {
                i++;
                return text.ToString();
            }
            else
            {
                text.Append(c);
                i++;
            }
        }

        throw new CesqlParseException(expression, start, "the string literal is not closed");
    }
}
