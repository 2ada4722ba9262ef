using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using static Knative.Eventing.Metrics.KnativeAttributes;
using static Knative.Eventing.Metrics.MessagingAttributes;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// The last librdkafka statistics (the JSON of <c>statistics.interval.ms</c>) of every client, reduced to
/// what the gauges show: broker round-trip time, outbound queue depth and consumer lag per topic. The
/// gauges read this cache only. Malformed statistics are ignored (and counted in <see cref="Rejected"/>).
/// </summary>
public sealed class KafkaClientStatistics
{
    private const int MaxClients = 256;
    private readonly ConcurrentDictionary<string, ClientSnapshot> _clients = new(StringComparer.Ordinal);
    private long _rejected;

    /// <summary>How many statistics documents could not be read.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Reads one statistics document (call it from a client's statistics handler).</summary>
    /// <param name="json">The statistics JSON.</param>
    public void Observe(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var name = root.GetProperty("name").GetString() ?? throw new JsonException("no client name");
            var brokers = new List<(string Address, double RttSeconds)>();
            if (root.TryGetProperty("brokers", out var brokerMap))
            {
                foreach (var broker in brokerMap.EnumerateObject())
                {
                    if (broker.Value.TryGetProperty("source", out var source) && source.GetString() == "internal")
                    {
                        continue;
                    }

                    var address = broker.Name.Split('/')[0];
                    var avgMicroseconds = broker.Value.TryGetProperty(
                        "rtt",
                        out var rtt) && rtt.TryGetProperty("avg", out var avg) ? avg.GetInt64() : 0;
                    brokers.Add((address, avgMicroseconds / 1_000_000d));
                }
            }

            var lags = new List<(string Topic, long Lag)>();
            if (root.TryGetProperty("type", out var type) && type.GetString() == "consumer" && root.TryGetProperty("topics", out var topics))
            {
                foreach (var topic in topics.EnumerateObject())
                {
                    long lag = 0;
                    var known = false;
                    foreach (var partition in topic.Value.GetProperty("partitions").EnumerateObject())
                    {
                        if (partition.Name == "-1" || !partition.Value.TryGetProperty("consumer_lag", out var value) || value.GetInt64() < 0)
                        {
                            continue;
                        }

                        lag += value.GetInt64();
                        known = true;
                    }

                    if (known)
                    {
                        lags.Add((topic.Name, lag));
                    }
                }
            }

            var outbound = root.TryGetProperty("msg_cnt", out var count) ? count.GetInt64() : 0;
            if (_clients.Count < MaxClients || _clients.ContainsKey(name))
            {
                _clients[name] = new ClientSnapshot(brokers, outbound, lags);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            Interlocked.Increment(ref _rejected);
        }
    }

    /// <summary>Forgets a client (e.g. after disposing it), so its series end.</summary>
    /// <param name="clientName">The client's librdkafka name (<c>IClient.Name</c>).</param>
    public void Forget(string clientName) => _clients.TryRemove(clientName, out _);

    internal IEnumerable<Measurement<double>> RoundTripTimes()
    {
        foreach (var (client, snapshot) in _clients)
        {
            foreach (var (address, rtt) in snapshot.Brokers)
            {
                yield return new Measurement<double>(
                    rtt,
                    new TagList { { MessagingSystem, "kafka" }, { KafkaInstruments.ClientId, client }, { ServerAddress, address } });
            }
        }
    }

    internal IEnumerable<Measurement<long>> OutboundQueues()
    {
        foreach (var (client, snapshot) in _clients)
        {
            yield return new Measurement<long>(
                snapshot.Outbound,
                new TagList { { MessagingSystem, "kafka" }, { KafkaInstruments.ClientId, client } });
        }
    }

    internal IEnumerable<Measurement<long>> ConsumerLags()
    {
        foreach (var (client, snapshot) in _clients)
        {
            foreach (var (topic, lag) in snapshot.Lags)
            {
                yield return new Measurement<long>(
                    lag,
                    new TagList { { MessagingSystem, "kafka" }, { KafkaInstruments.ClientId, client }, { MessagingDestinationName, topic } });
            }
        }
    }

    private sealed record ClientSnapshot(List<(string Address, double RttSeconds)> Brokers, long Outbound, List<(string Topic, long Lag)> Lags);
}
