using System.Text;

namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>
/// A built-in function (CloudEvents SQL v1, section 3.5): its parameter types (null: any, no cast), whether the
/// last parameter repeats, and its body. Functions are found by upper-cased name and arity.
/// </summary>
internal sealed class CesqlFunction(
    string name,
    CesqlType returns,
    CesqlType?[] parameters,
    bool variadic,
    Func<object[],
    List<CesqlError>,
    object> body)
{
    public string Name { get; } = name;

    public CesqlType Returns { get; } = returns;

    public CesqlType? Parameter(int index) => parameters.Length == 0 ? null : parameters[Math.Min(index, parameters.Length - 1)];

    public bool Accepts(int arity) => variadic ? arity >= parameters.Length - 1 : arity == parameters.Length;

    public object Invoke(object[] arguments, List<CesqlError> errors) => body(arguments, errors);

    /// <summary>The function <paramref name="name"/> (any case) taking <paramref name="arity"/> arguments, or null.</summary>
    public static CesqlFunction? Find(string name, int arity)
    {
        var upper = name.ToUpperInvariant();
        return BuiltIns.FirstOrDefault(f => f.Name == upper && f.Accepts(arity));
    }

    private static readonly CesqlType S = CesqlType.String;
    private static readonly CesqlType I = CesqlType.Integer;

    private static readonly CesqlFunction[] BuiltIns =
    [
        new("LENGTH", I, [S], false, (a, _) => Runes(a[0]).Length),
        new("CONCAT", S, [S], true, (a, _) => string.Concat(a.Cast<string>())),
        new("CONCAT_WS", S, [S, S], true, (a, _) => string.Join((string)a[0], a.Skip(1).Cast<string>())),
        new("LOWER", S, [S], false, (a, _) => ((string)a[0]).ToLowerInvariant()),
        new("UPPER", S, [S], false, (a, _) => ((string)a[0]).ToUpperInvariant()),
        new("TRIM", S, [S], false, (a, _) => ((string)a[0]).Trim()),
        new("LEFT", S, [S, I], false, (a, e) => Take(a, e, fromEnd: false)),
        new("RIGHT", S, [S, I], false, (a, e) => Take(a, e, fromEnd: true)),
        new("SUBSTRING", S, [S, I], false, (a, e) => Substring((string)a[0], (int)a[1], null, e)),
        new("SUBSTRING", S, [S, I, I], false, (a, e) => Substring((string)a[0], (int)a[1], (int)a[2], e)),
        new("ABS", I, [I], false, (a, e) => Abs((int)a[0], e)),
        new("INT", I, [null], false, (a, e) => CesqlValues.ToInteger(a[0], e)),
        new("BOOL", CesqlType.Boolean, [null], false, (a, e) => CesqlValues.ToBoolean(a[0], e, implicitCast: false)),
        new("STRING", S, [null], false, (a, _) => CesqlValues.ToText(a[0])),
    ];

    private static Rune[] Runes(object text) => ((string)text).EnumerateRunes().ToArray();

    private static string Text(IEnumerable<Rune> runes) => string.Concat(runes.Select(r => r.ToString()));

    private static object Take(object[] a, List<CesqlError> errors, bool fromEnd)
    {
        var text = (string)a[0];
        var count = (int)a[1];
        if (count < 0)
        {
            errors.Add(new CesqlError(CesqlErrorKind.FunctionEvaluation, $"{(fromEnd ? "RIGHT" : "LEFT")}: the length {count} is negative"));
            return text;
        }

        var runes = Runes(text);
        return count >= runes.Length ? text : Text(fromEnd ? runes[^count..] : runes[..count]);
    }

    private static string Substring(string text, int position, int? length, List<CesqlError> errors)
    {
        var runes = Runes(text);
        if (position > runes.Length || position < -runes.Length || length < 0)
        {
            errors.Add(new CesqlError(
                CesqlErrorKind.FunctionEvaluation,
                $"SUBSTRING: position {position}{(length is { } l ? $", length {l}" : string.Empty)} is outside '{text}'"));
            return string.Empty;
        }

        if (position == 0)
        {
            return string.Empty;
        }

        var start = position > 0 ? position - 1 : runes.Length + position;
        var count = Math.Min(length ?? int.MaxValue, runes.Length - start);
        return Text(runes.Skip(start).Take(count));
    }

    private static int Abs(int value, List<CesqlError> errors)
    {
        if (value == int.MinValue)
        {
            errors.Add(new CesqlError(CesqlErrorKind.Math, "ABS(-2147483648) is not a 32-bit integer"));
            return int.MaxValue;
        }

        return Math.Abs(value);
    }
}
