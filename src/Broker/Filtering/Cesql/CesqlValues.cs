using System.Globalization;

namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>Zero values and the casts of CESQL (section 3.7), recording a cast error where one fails.</summary>
internal static class CesqlValues
{
    public static object Zero(CesqlType type) => type switch
    {
        CesqlType.Integer => 0,
        CesqlType.String => string.Empty,
        _ => false,
    };

    public static CesqlType TypeOf(object value) => value switch
    {
        bool => CesqlType.Boolean,
        int => CesqlType.Integer,
        _ => CesqlType.String,
    };

    /// <summary>An implicit cast, as operators and functions do it.</summary>
    public static object Cast(object value, CesqlType to, List<CesqlError> errors) => to switch
    {
        CesqlType.Integer => ToInteger(value, errors),
        CesqlType.String => ToText(value),
        _ => ToBoolean(value, errors, implicitCast: true),
    };

    public static int ToInteger(object value, List<CesqlError> errors)
    {
        switch (value)
        {
            case int i:
                return i;
            case bool b:
                return b ? 1 : 0;
            default:
                var text = (string)value;
                if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                errors.Add(new CesqlError(CesqlErrorKind.Cast, $"'{text}' is not a 32-bit integer"));
                return 0;
        }
    }

    /// <summary>
    /// To Boolean. Strings "true" and "false" in any case; an integer only in an explicit cast (<c>BOOL</c>):
    /// an operator that needs a Boolean does not take an integer (the CESQL TCK: <c>NOT 10</c> is a cast error).
    /// </summary>
    public static bool ToBoolean(object value, List<CesqlError> errors, bool implicitCast)
    {
        switch (value)
        {
            case bool b:
                return b;
            case int i when !implicitCast:
                return i != 0;
            case int i:
                errors.Add(new CesqlError(CesqlErrorKind.Cast, $"the integer {i} is not a Boolean"));
                return false;
            default:
                var text = (string)value;
                if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                errors.Add(new CesqlError(CesqlErrorKind.Cast, $"'{text}' is not a Boolean"));
                return false;
        }
    }

    public static string ToText(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => (string)value,
    };
}
