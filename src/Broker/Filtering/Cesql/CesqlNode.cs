namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>
/// A node of a parsed CESQL expression. Evaluation is total (section 3.3): every node returns a value of its
/// type. When an operand's evaluation raised errors the node returns the zero value of its type without
/// applying itself (so <c>1 != 1 / 0</c> is <c>false</c> with a math error, and <c>missing / 0</c> raises only
/// the missing attribute); errors of the node's own casts and arithmetic come with the value it computed.
/// </summary>
internal abstract class CesqlNode
{
    /// <summary>The type this node returns; for an attribute, whose type is unknown, Boolean (section 3.2).</summary>
    public abstract CesqlType Type { get; }

    public abstract object Evaluate(CesqlContext context);

    /// <summary>Evaluates <paramref name="node"/>; false when that raised an error.</summary>
    protected static bool TryEvaluate(CesqlNode node, CesqlContext context, out object value)
    {
        var before = context.Errors.Count;
        value = node.Evaluate(context);
        return context.Errors.Count == before;
    }
}

/// <summary>A Boolean, Integer or String literal.</summary>
internal sealed class CesqlLiteral(object value) : CesqlNode
{
    public object Value { get; } = value;

    public override CesqlType Type => CesqlValues.TypeOf(Value);

    public override object Evaluate(CesqlContext context) => Value;
}

/// <summary>A context attribute or extension, by its (lower-case) name.</summary>
internal sealed class CesqlAttribute(string name) : CesqlNode
{
    public string Name { get; } = name;

    public override CesqlType Type => CesqlType.Boolean;

    public override object Evaluate(CesqlContext context)
    {
        if (context.Attribute(Name) is { } value)
        {
            return value;
        }

        context.Errors.Add(new CesqlError(CesqlErrorKind.MissingAttribute, $"the event has no attribute '{Name}'"));
        return false;
    }
}

/// <summary><c>EXISTS attribute</c>.</summary>
internal sealed class CesqlExists(string name) : CesqlNode
{
    public override CesqlType Type => CesqlType.Boolean;

    public override object Evaluate(CesqlContext context) => context.Attribute(name) is not null;
}

/// <summary><c>NOT x</c> (Boolean) and <c>-x</c> (Integer).</summary>
internal sealed class CesqlUnary(string op, CesqlNode operand) : CesqlNode
{
    public override CesqlType Type => op == "NOT" ? CesqlType.Boolean : CesqlType.Integer;

    public override object Evaluate(CesqlContext context)
    {
        if (!TryEvaluate(operand, context, out var value))
        {
            return CesqlValues.Zero(Type);
        }

        if (op == "NOT")
        {
            return !CesqlValues.ToBoolean(value, context.Errors, implicitCast: true);
        }

        var number = CesqlValues.ToInteger(value, context.Errors);
        if (number == int.MinValue)
        {
            context.Errors.Add(new CesqlError(CesqlErrorKind.Math, "-(-2147483648) is not a 32-bit integer"));
            return int.MaxValue;
        }

        return -number;
    }
}

/// <summary>Binary operators: arithmetic, comparison and logic (section 3.4.2).</summary>
internal sealed class CesqlBinary(string op, CesqlNode left, CesqlNode right) : CesqlNode
{
    public override CesqlType Type => op is "*" or "/" or "%" or "+" or "-" ? CesqlType.Integer : CesqlType.Boolean;

    public override object Evaluate(CesqlContext context)
    {
        if (op is "AND" or "OR" or "XOR")
        {
            return Logic(context);
        }

        if (!TryEvaluate(left, context, out var x) || !TryEvaluate(right, context, out var y))
        {
            return CesqlValues.Zero(Type);
        }

        var errors = context.Errors;
        switch (op)
        {
            case "=" or "!=" or "<>":
                // Ambiguous (defined for every type): the right operand's type decides (section 3.7).
                var target = CesqlValues.TypeOf(y);
                var equal = Equals(CesqlValues.Cast(x, target, errors), y);
                return op == "=" ? equal : !equal;
            case "<" or "<=" or ">" or ">=":
                var a = CesqlValues.ToInteger(x, errors);
                var b = CesqlValues.ToInteger(y, errors);
                return op switch { "<" => a < b, "<=" => a <= b, ">" => a > b, _ => a >= b };
            default:
                return Arithmetic(CesqlValues.ToInteger(x, errors), CesqlValues.ToInteger(y, errors), errors);
        }
    }

    private int Arithmetic(int a, int b, List<CesqlError> errors)
    {
        if (op is "/" or "%" && b == 0)
        {
            errors.Add(new CesqlError(CesqlErrorKind.Math, $"{a} {op} 0: division by zero"));
            return 0;
        }

        long result = op switch
        {
            "*" => (long)a * b,
            "/" => (long)a / b,
            "%" => (long)a % b,
            "+" => (long)a + b,
            _ => (long)a - b,
        };
        if (result is < int.MinValue or > int.MaxValue)
        {
            errors.Add(new CesqlError(CesqlErrorKind.Math, $"{a} {op} {b} is not a 32-bit integer"));
            return 0;
        }

        return (int)result;
    }

    private bool Logic(CesqlContext context)
    {
        if (!TryEvaluate(left, context, out var x))
        {
            return false;
        }

        var a = CesqlValues.ToBoolean(x, context.Errors, implicitCast: true);
        if ((op == "AND" && !a) || (op == "OR" && a))
        {
            return a; // short-circuit: the right operand is not evaluated
        }

        if (!TryEvaluate(right, context, out var y))
        {
            return false;
        }

        var b = CesqlValues.ToBoolean(y, context.Errors, implicitCast: true);
        return op == "XOR" ? a ^ b : b;
    }
}

/// <summary><c>x [NOT] IN (y1, …)</c>: equality with every element cast to x's type (section 3.4.5).</summary>
internal sealed class CesqlIn(CesqlNode value, IReadOnlyList<CesqlNode> set, bool negated) : CesqlNode
{
    public override CesqlType Type => CesqlType.Boolean;

    public override object Evaluate(CesqlContext context)
    {
        if (!TryEvaluate(value, context, out var x))
        {
            return false;
        }

        var type = CesqlValues.TypeOf(x);
        var found = false;
        foreach (var element in set)
        {
            if (!TryEvaluate(element, context, out var y))
            {
                return false;
            }

            found |= Equals(x, CesqlValues.Cast(y, type, context.Errors));
        }

        return found != negated;
    }
}

/// <summary><c>x [NOT] LIKE 'pattern'</c>: <c>%</c> any run, <c>_</c> one character, <c>\%</c> and <c>\_</c> literal (section 3.4.3).</summary>
internal sealed class CesqlLike(CesqlNode value, string pattern, bool negated) : CesqlNode
{
    private readonly System.Text.RegularExpressions.Regex _regex = Compile(pattern);

    public override CesqlType Type => CesqlType.Boolean;

    public override object Evaluate(CesqlContext context)
    {
        if (!TryEvaluate(value, context, out var x))
        {
            return false;
        }

        return _regex.IsMatch(CesqlValues.ToText(x)) != negated;
    }

    private static System.Text.RegularExpressions.Regex Compile(string pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '%' or '_')
            {
                regex.Append(System.Text.RegularExpressions.Regex.Escape(pattern[++i].ToString()));
            }
            else
            {
                regex.Append(c switch { '%' => ".*", '_' => ".", _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()) });
            }
        }

        return new System.Text.RegularExpressions.Regex(
            regex.Append('$').ToString(),
            System.Text.RegularExpressions.RegexOptions.Singleline
                | System.Text.RegularExpressions.RegexOptions.CultureInvariant
                | System.Text.RegularExpressions.RegexOptions.NonBacktracking);
    }
}

/// <summary>A function invocation (section 3.5); a name and arity no function has is a missing-function error.</summary>
internal sealed class CesqlCall(string name, IReadOnlyList<CesqlNode> arguments, CesqlFunction? function) : CesqlNode
{
    public string Name { get; } = name;

    public CesqlFunction? Function { get; } = function;

    public override CesqlType Type => Function?.Returns ?? CesqlType.Boolean;

    public override object Evaluate(CesqlContext context)
    {
        if (Function is null)
        {
            context.Errors.Add(new CesqlError(CesqlErrorKind.MissingFunction, $"no function {Name} takes {arguments.Count} argument(s)"));
            return false;
        }

        var values = new object[arguments.Count];
        for (var i = 0; i < arguments.Count; i++)
        {
            if (!TryEvaluate(arguments[i], context, out var value))
            {
                return CesqlValues.Zero(Function.Returns);
            }

            values[i] = Function.Parameter(i) is { } type ? CesqlValues.Cast(value, type, context.Errors) : value;
        }

        return Function.Invoke(values, context.Errors);
    }
}
