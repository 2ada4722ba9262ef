namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>A CESQL expression that does not parse, with the position of the problem.</summary>
internal sealed class CesqlParseException(string expression, int position, string problem)
    : FormatException($"invalid CESQL expression at position {position + 1}: {problem} (in \"{expression}\")")
{
    /// <summary>The zero-based character position of the problem.</summary>
    public int Position { get; } = position;
}
