namespace Knative.Eventing.Metrics.Tests;

/// <summary>Concurrent recording loses nothing.</summary>
[Trait("Category", "Unit")]
public sealed class ExactCountTests
{
    private const int Threads = 8;
    private const int PerThread = 100_000;

    [Fact]
    public async Task Eight_threads_times_100000_recordings_export_exactly_800000()
    {
        using var harness = new MetricsHarness();
        var metrics = harness.Metrics;
        var types = new[] { "a", "b", "c", "d" };
        using var start = new Barrier(Threads);

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var type = types[t % types.Length];
                for (var i = 0; i < PerThread; i++)
                {
                    var attempt = metrics.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, type);
                    attempt.Complete(202);
                    metrics.RecordDelivery(MetricsHarness.Trigger, type, DeliveryOutcome.Delivered);
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers);

        var collected = harness.Collect();
        var deliveries = Assert.Single(collected, m => m.Name == "kn.eventing.deliveries");
        var dispatch = Assert.Single(collected, m => m.Name == "kn.eventing.dispatch.duration");
        var active = Assert.Single(collected, m => m.Name == "kn.eventing.dispatch.active");

        Assert.Equal(Threads * PerThread, deliveries.Points.Sum(p => p.LongValue));
        Assert.Equal(Threads * PerThread, dispatch.Points.Sum(p => p.Count));
        Assert.Equal(Threads * PerThread, dispatch.Points.Sum(p => p.BucketCounts.Sum()));
        Assert.Equal(types.Length, deliveries.Points.Count);
        Assert.All(deliveries.Points, p => Assert.Equal(2 * PerThread, p.LongValue));
        Assert.Equal(0, Assert.Single(active.Points).LongValue);
        Assert.Equal(0, metrics.RecordingFailures);
    }
}
