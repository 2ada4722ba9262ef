using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>The backlog gauge reads a cache filled in the background; a scrape never calls a broker.</summary>
[Trait("Category", "Unit")]
public sealed class BacklogTests
{
    [Fact]
    public async Task A_scrape_reads_the_cache_and_never_calls_the_source()
    {
        using var harness = new MetricsHarness(o => o.BacklogRefreshInterval = TimeSpan.FromHours(1));
        var reads = 0;
        using var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ =>
        {
            Interlocked.Increment(ref reads);
            return ValueTask.FromResult(new BacklogReading(7, 2));
        });
        await harness.Metrics.RefreshBacklogAsync();

        // Exactly two reads happen: the refresher's first one on registration (it runs concurrently) and the explicit refresh.
        var readsAfterRefresh = await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref reads)), n => n >= 2, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, readsAfterRefresh);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal((7, 2), ByScope(harness.Single("kn.eventing.backlog").Points));
        }

        Assert.Equal(2, Volatile.Read(ref reads));
    }

    [Fact]
    public async Task The_background_refresher_reads_sources_on_its_own()
    {
        using var harness = new MetricsHarness(o => o.BacklogRefreshInterval = TimeSpan.FromMilliseconds(20));
        var firstRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ =>
        {
            firstRead.TrySetResult();
            return ValueTask.FromResult(BacklogReading.BrokerWide(3));
        });

        await firstRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await harness.Metrics.RefreshBacklogAsync(); // waits for a refresh in progress to finish

        Assert.Equal((3, 0), ByScope(harness.Single("kn.eventing.backlog").Points));
    }

    [Fact]
    public async Task A_failing_or_hanging_source_reports_no_value_and_others_still_report()
    {
        using var harness = new MetricsHarness(o =>
        {
            o.BacklogRefreshInterval = TimeSpan.FromHours(1);
            o.BacklogProbeTimeout = TimeSpan.FromMilliseconds(100);
        });
        var failing = new TriggerRef(MetricsHarness.Broker, "audit");
        var hanging = new TriggerRef(MetricsHarness.Broker, "stats");
        var fail = false;
        using var a = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(BacklogReading.BrokerWide(5)));
        using var b = harness.Metrics.RegisterBacklogSource(failing, _ => fail ? throw new InvalidOperationException("broker down") : ValueTask.FromResult(BacklogReading.ReplicaOnly(9)));
        using var c = harness.Metrics.RegisterBacklogSource(hanging, async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return BacklogReading.BrokerWide(1);
        });

        await harness.Metrics.RefreshBacklogAsync();
        var points = harness.Single("kn.eventing.backlog").Points;
        Assert.Equal(4, points.Count);
        Assert.Equal((0, 9), ByScope(points.Where(p => Equals(p.Tags[TriggerName], "audit"))));

        fail = true;
        await harness.Metrics.RefreshBacklogAsync();

        points = harness.Single("kn.eventing.backlog").Points;
        Assert.All(points, p => Assert.Equal("leaderboard", p.Tags[TriggerName]));
        Assert.Equal((5, 0), ByScope(points));
    }

    [Fact]
    public async Task A_negative_depth_is_treated_as_a_failed_read()
    {
        using var harness = new MetricsHarness(o => o.BacklogRefreshInterval = TimeSpan.FromHours(1));
        using var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(new BacklogReading(3, -1)));

        await harness.Metrics.RefreshBacklogAsync();

        Assert.DoesNotContain(harness.Collect(), m => m.Name == "kn.eventing.backlog" && m.Points.Count > 0);
    }

    [Fact]
    public async Task Disposing_a_registration_removes_its_series_and_a_trigger_has_one_source()
    {
        using var harness = new MetricsHarness(o => o.BacklogRefreshInterval = TimeSpan.FromHours(1));
        var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(BacklogReading.BrokerWide(1)));

        Assert.Throws<InvalidOperationException>(() =>
            harness.Metrics.RegisterBacklogSource(new TriggerRef(MetricsHarness.Broker, "leaderboard"), _ => ValueTask.FromResult(BacklogReading.BrokerWide(2))));

        await harness.Metrics.RefreshBacklogAsync();
        Assert.Equal(2, harness.Single("kn.eventing.backlog").Points.Count);
        registration.Dispose();

        Assert.DoesNotContain(harness.Collect(), m => m.Name == "kn.eventing.backlog" && m.Points.Count > 0);
        using var again = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(BacklogReading.BrokerWide(2)));
    }

    /// <summary>The broker and replica series of one trigger's backlog.</summary>
    private static (long Broker, long Replica) ByScope(IEnumerable<CollectedPoint> points)
    {
        var list = points.ToList();
        Assert.Equal(2, list.Count);
        return (
            Assert.Single(list, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "broker")).LongValue,
            Assert.Single(list, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "replica")).LongValue);
    }
}
