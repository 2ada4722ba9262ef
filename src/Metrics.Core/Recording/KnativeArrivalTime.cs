using System.Globalization;

namespace Knative.Eventing.Metrics;

/// <summary>The <c>knativearrivaltime</c> extension the broker ingress stamps, read the same way by every adapter.</summary>
public static class KnativeArrivalTime
{
    /// <summary>The extension attribute's name.</summary>
    public const string AttributeName = "knativearrivaltime";

    /// <summary>The arrival time from an attribute value: a timestamp, or RFC 3339 text; anything else is null.</summary>
    /// <param name="value">The attribute value as a binding or the SDK gives it.</param>
    /// <returns>The arrival time, or null.</returns>
    public static DateTimeOffset? Parse(object? value) => value switch
    {
        DateTimeOffset time => time,
        string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
        _ => null,
    };
}
