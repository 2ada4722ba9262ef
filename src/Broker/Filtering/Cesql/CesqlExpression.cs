using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>
/// A parsed CloudEvents SQL (CESQL v1) expression: <see cref="Parse"/> once, <see cref="Evaluate"/> per event.
/// Written here because no .NET implementation exists; conformance is tested with the cases of the spec's
/// TCK (cloudevents/spec cesql/cesql_tck), re-expressed as our own data.
/// </summary>
internal sealed class CesqlExpression
{
    private readonly CesqlNode _root;

    private CesqlExpression(string text, CesqlNode root, IReadOnlyList<string> missingFunctions)
    {
        Text = text;
        _root = root;
        MissingFunctions = missingFunctions;
    }

    public string Text { get; }

    /// <exception cref="CesqlParseException">The expression is not valid CESQL.</exception>
    public static CesqlExpression Parse(string text) => new(text, CesqlParser.Parse(text, out var missing), missing);

    /// <summary>Calls of functions that do not exist with that arity: an evaluation that reaches one fails.</summary>
    public IReadOnlyList<string> MissingFunctions { get; }

    /// <summary>Evaluates against an event: the value (Boolean, Integer or String) and the errors raised.</summary>
    public (object Value, IReadOnlyList<CesqlError> Errors) Evaluate(CloudEvent cloudEvent)
    {
        var context = new CesqlContext(name => Attribute(cloudEvent, name));
        var value = _root.Evaluate(context);
        return (value, context.Errors);
    }

    /// <summary>The CESQL value of an attribute: Boolean and Integer extensions as they are, every other value as its canonical string (section
    /// 3.2).</summary>
    public static object? Attribute(CloudEvent cloudEvent, string name)
    {
        if (name == "specversion")
        {
            return cloudEvent.SpecVersion.VersionId;
        }

        var attribute = cloudEvent.GetAttribute(name);
        if (attribute is null || cloudEvent[attribute] is not { } value)
        {
            return null;
        }

        return value switch
        {
            bool b => b,
            int i => i,
            _ => attribute.Format(value),
        };
    }
}
