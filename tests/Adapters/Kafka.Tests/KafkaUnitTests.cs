using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>Error names, the Kafka binding and statistics parsing (no broker needed).</summary>
[Trait("Category", "Unit")]
public sealed class KafkaUnitTests
{
    [Theory]
    [InlineData(ErrorCode.Local_MsgTimedOut, "_MSG_TIMED_OUT")]
    [InlineData(ErrorCode.Local_AllBrokersDown, "_ALL_BROKERS_DOWN")]
    [InlineData(ErrorCode.Local_Transport, "_TRANSPORT")]
    [InlineData(ErrorCode.MsgSizeTooLarge, "MSG_SIZE_TOO_LARGE")]
    [InlineData(ErrorCode.UnknownTopicOrPart, "UNKNOWN_TOPIC_OR_PART")]
    [InlineData(ErrorCode.NotEnoughReplicas, "NOT_ENOUGH_REPLICAS")]
    public void Error_codes_map_to_librdkafka_names(ErrorCode code, string name) => Assert.Equal(name, KafkaErrorNames.Of(code));

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public void The_kafka_binding_round_trips_and_maps_partitionkey_to_the_key(ContentMode mode)
    {
        var formatter = new JsonEventFormatter();
        var original = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = "42",
            Source = new Uri("/game/level/2", UriKind.Relative),
            Type = "dev.knative.game.score",
            Subject = "ünïcödé",
            Time = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
            DataContentType = "application/json",
            Data = System.Text.Json.JsonSerializer.SerializeToElement(new { score = 10 }),
            ["partitionkey"] = "session-7",
        };

        var record = KafkaCloudEventBinding.Encode(original, mode, formatter);
        var decoded = KafkaCloudEventBinding.Decode(record.Headers, record.Value, formatter, null);

        Assert.Equal("session-7", System.Text.Encoding.UTF8.GetString(record.Key!));
        Assert.Equal(mode == ContentMode.Binary, record.Headers.Any(h => h.Key == "ce_id"));
        Assert.Equal(original.Id, decoded.Id);
        Assert.Equal(original.Subject, decoded.Subject);
        Assert.Equal(original.Time, decoded.Time);
        Assert.Equal(original.DataContentType, decoded.DataContentType);
        Assert.Equal("session-7", decoded["partitionkey"]);
        Assert.Equal("{\"score\":10}", System.Text.Json.JsonSerializer.Serialize(decoded.Data));
    }

    [Fact]
    public void Statistics_become_round_trip_queue_and_lag_values_and_bad_documents_are_rejected()
    {
        var statistics = new KafkaClientStatistics();
        statistics.Observe("""
            {"name":"rdkafka#consumer-1","type":"consumer","msg_cnt":3,
             "brokers":{"127.0.0.1:9092/1":{"source":"learned","rtt":{"avg":1500}},"GroupCoordinator":{"source":"internal","rtt":{"avg":9}}},
             "topics":{"t":{"partitions":{"0":{"consumer_lag":4},"1":{"consumer_lag":6},"-1":{"consumer_lag":100}}}}}
            """);
        statistics.Observe("{not json");

        Assert.Equal(1, statistics.Rejected);
        Assert.Equal(0.0015, Assert.Single(statistics.RoundTripTimes()).Value, 6);
        Assert.Equal(3, Assert.Single(statistics.OutboundQueues()).Value);
        var lag = Assert.Single(statistics.ConsumerLags());
        Assert.Equal(10, lag.Value);
    }
}
