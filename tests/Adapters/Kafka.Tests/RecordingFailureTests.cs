namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>The adapter's recorders follow the core's rule: a failing metrics pipeline never fails a produce.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaCollection.Name)]
public sealed class RecordingFailureTests(KafkaFixture fixture)
{
    [Fact]
    public async Task A_failing_metrics_listener_never_fails_a_produce_and_the_failure_is_counted()
    {
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 1);
        using var throwing = new ThrowingMeterListener(KnativeEventingMeterNames.Kafka);

        var position = await bed.ProduceAsync(1);

        Assert.Equal(0, position.Offset.Value);
        Assert.Equal(1, bed.Instrumentation.RecordingFailures); // the produce's sent count threw, and was swallowed
        var offsets = await bed.WaitForOffsetsAsync(null, o => o.HighWatermarks == 1);
        Assert.Equal(1, offsets.HighWatermarks);
    }
}
