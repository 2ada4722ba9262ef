using System.Text.Json;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>Reads the broker connection states from librdkafka's statistics JSON (<c>brokers.*.state</c>).</summary>
internal static class KafkaBrokerStates
{
    /// <summary>Whether any configured or learned broker (not librdkafka's internal one) is in state UP; false for JSON it cannot read.</summary>
    public static bool AnyUp(string statistics)
    {
        try
        {
            using var document = JsonDocument.Parse(statistics);
            return document.RootElement.TryGetProperty("brokers", out var brokers)
                && brokers.EnumerateObject().Any(b =>
                    !(b.Value.TryGetProperty("source", out var source) && source.GetString() == "internal")
                    && b.Value.TryGetProperty("state", out var state) && state.GetString() == "UP");
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
