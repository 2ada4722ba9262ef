using System.Text.Json;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>Maps what a CloudEvents formatter throws while decoding to an invalid-event reason.</summary>
internal static class DecodeErrorClassifier
{
    public static InvalidEventReason Classify(Exception exception) => exception switch
    {
        InvalidCloudEventException invalid => invalid.Reason,
        JsonException => InvalidEventReason.Malformed,
        ArgumentException a when Mentions(a, "spec version") || Mentions(a, "specversion") => InvalidEventReason.InvalidSpecVersion,
        InvalidOperationException o when Mentions(o, "missing") || Mentions(o, "required") => InvalidEventReason.MissingAttribute,
        ArgumentException a when Mentions(a, "missing") || Mentions(a, "required") => InvalidEventReason.MissingAttribute,
        ArgumentException a when Mentions(a, "content type") || Mentions(a, "media type") => InvalidEventReason.UnsupportedMediaType,
        _ => InvalidEventReason.Malformed,
    };

    private static bool Mentions(Exception exception, string text) =>
        exception.Message.Contains(text, StringComparison.OrdinalIgnoreCase);
}
