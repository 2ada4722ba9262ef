using System.Globalization;

namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>
/// Recursive-descent parser for CESQL, following the precedence of the spec's CESQLParser.g4 (tightest first):
/// function invocation; <c>NOT</c> and unary <c>-</c>; <c>LIKE</c>; <c>EXISTS</c>; <c>IN</c>; <c>* / %</c>;
/// <c>+ -</c>; comparisons; <c>AND OR XOR</c> (one level, right-associative).
/// </summary>
internal sealed class CesqlParser
{
    private readonly string _expression;
    private readonly List<CesqlToken> _tokens;
    private readonly List<string> _missingFunctions = [];
    private int _next;

    private CesqlParser(string expression)
    {
        _expression = expression;
        _tokens = CesqlLexer.Tokenize(expression);
    }

    /// <summary>Parses <paramref name="expression"/>; <paramref name="missingFunctions"/> lists calls no built-in function takes.</summary>
    /// <exception cref="CesqlParseException">The expression is not valid CESQL.</exception>
    public static CesqlNode Parse(string expression, out IReadOnlyList<string> missingFunctions)
    {
        var parser = new CesqlParser(expression);
        if (parser.Peek.Kind == CesqlTokenKind.End)
        {
            throw new CesqlParseException(expression, 0, "the expression is empty");
        }

        var root = parser.Logic();
        if (parser.Peek.Kind != CesqlTokenKind.End)
        {
            throw parser.Error(parser.Peek, $"unexpected '{parser.Peek.Text}'");
        }

        missingFunctions = parser._missingFunctions;
        return root;
    }

    private CesqlToken Peek => _tokens[_next];

    private CesqlToken Take() => _tokens[_next++];

    private CesqlNode Logic()
    {
        var left = Comparison();
        if (Peek.Is("AND") || Peek.Is("OR") || Peek.Is("XOR"))
        {
            var op = Take().Text;
            return new CesqlBinary(op, left, Logic());
        }

        return left;
    }

    private CesqlNode Comparison()
    {
        var left = Additive();
        while (Peek.Kind == CesqlTokenKind.Symbol && Peek.Text is "=" or "!=" or "<>" or "<" or "<=" or ">" or ">=")
        {
            left = new CesqlBinary(Take().Text, left, Additive());
        }

        return left;
    }

    private CesqlNode Additive()
    {
        var left = Multiplicative();
        while (Peek.Is("+") || Peek.Is("-"))
        {
            left = new CesqlBinary(Take().Text, left, Multiplicative());
        }

        return left;
    }

    private CesqlNode Multiplicative()
    {
        var left = Postfix();
        while (Peek.Is("*") || Peek.Is("/") || Peek.Is("%"))
        {
            left = new CesqlBinary(Take().Text, left, Postfix());
        }

        return left;
    }

    private CesqlNode Postfix()
    {
        var value = Unary();
        while (true)
        {
            var negated = Peek.Is("NOT") && (_tokens[_next + 1].Is("LIKE") || _tokens[_next + 1].Is("IN"));
            var op = negated ? _tokens[_next + 1] : Peek;
            if (op.Is("LIKE"))
            {
                _next += negated ? 2 : 1;
                var pattern = Take();
                if (pattern.Kind != CesqlTokenKind.String)
                {
                    throw Error(pattern, "LIKE needs a string literal pattern");
                }

                value = new CesqlLike(value, pattern.Text, negated);
            }
            else if (op.Is("IN"))
            {
                _next += negated ? 2 : 1;
                Expect("(", "IN needs a parenthesized list");
                var set = new List<CesqlNode> { Logic() };
                while (Peek.Is(","))
                {
                    Take();
                    set.Add(Logic());
                }

                Expect(")", "the IN list is not closed");
                value = new CesqlIn(value, set, negated);
            }
            else
            {
                return value;
            }
        }
    }

    private CesqlNode Unary()
    {
        var token = Peek;
        if (token.Is("NOT"))
        {
            Take();
            return new CesqlUnary("NOT", Unary());
        }

        if (token.Is("-"))
        {
            Take();
            if (Peek.Kind == CesqlTokenKind.Integer)
            {
                return Integer(Take(), negative: true);
            }

            return new CesqlUnary("-", Unary());
        }

        if (token.Is("+") && _tokens[_next + 1].Kind == CesqlTokenKind.Integer)
        {
            Take();
            return Integer(Take(), negative: false);
        }

        if (token.Is("EXISTS"))
        {
            Take();
            var name = Take();
            if (name.Kind != CesqlTokenKind.Identifier || name.Text.Contains('_', StringComparison.Ordinal))
            {
                throw Error(name, "EXISTS needs an attribute name");
            }

            return new CesqlExists(name.Text.ToLowerInvariant());
        }

        return Primary();
    }

    private CesqlNode Primary()
    {
        var token = Take();
        switch (token.Kind)
        {
            case CesqlTokenKind.Integer:
                return Integer(token, negative: false);
            case CesqlTokenKind.String:
                return new CesqlLiteral(token.Text);
            case CesqlTokenKind.Keyword when token.Text is "TRUE" or "FALSE":
                return new CesqlLiteral(token.Text == "TRUE");
            case CesqlTokenKind.Symbol when token.Text == "(":
                var inner = Logic();
                Expect(")", "a parenthesis is not closed");
                return inner;
            case CesqlTokenKind.Identifier when Peek.Is("("):
                Take();
                var arguments = new List<CesqlNode>();
                if (!Peek.Is(")"))
                {
                    arguments.Add(Logic());
                    while (Peek.Is(","))
                    {
                        Take();
                        arguments.Add(Logic());
                    }
                }

                Expect(")", $"the arguments of {token.Text} are not closed");
                var function = CesqlFunction.Find(token.Text, arguments.Count);
                if (function is null)
                {
                    _missingFunctions.Add($"{token.Text.ToUpperInvariant()} with {arguments.Count} argument(s)");
                }

                return new CesqlCall(token.Text.ToUpperInvariant(), arguments, function);
            case CesqlTokenKind.Identifier when !token.Text.Contains('_', StringComparison.Ordinal):
                return new CesqlAttribute(token.Text.ToLowerInvariant());
            case CesqlTokenKind.End:
                throw Error(token, "the expression ends too early");
            default:
                throw Error(token, $"unexpected '{token.Text}'");
        }
    }

    private CesqlLiteral Integer(CesqlToken token, bool negative)
    {
        if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || (negative ? -value : value) is < int.MinValue or > int.MaxValue)
        {
            throw Error(token, $"{(negative ? "-" : string.Empty)}{token.Text} is not a 32-bit integer");
        }

        return new CesqlLiteral((int)(negative ? -value : value));
    }

    private void Expect(string symbol, string problem)
    {
        if (!Peek.Is(symbol))
        {
            throw Error(Peek, problem);
        }

        Take();
    }

    private CesqlParseException Error(CesqlToken at, string problem) => new(_expression, at.Position, problem);
}
