using System.Xml;

namespace Knative.Eventing.Metrics.Broker.Configuration;

/// <summary>The ISO-8601 durations of the exporter's settings (<c>PT0.5S</c>, <c>PT2M</c>), as Knative's delivery specs write them.</summary>
internal static class IsoDuration
{
    /// <summary>Parses a positive duration; a bad value becomes the exception <paramref name="invalid"/> builds from the problem.</summary>
    public static TimeSpan ParsePositive(string value, Func<string, Exception> invalid)
    {
        TimeSpan duration;
        try
        {
            duration = XmlConvert.ToTimeSpan(value);
        }
        catch (FormatException)
        {
            throw invalid($"'{value}' is not an ISO-8601 duration such as PT0.5S");
        }

        return duration > TimeSpan.Zero ? duration : throw invalid($"must be positive (was '{value}')");
    }
}
