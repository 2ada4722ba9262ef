using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>The backlog gauge reads a cache filled in the background; a scrape never calls a broker.</summary>
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
            return ValueTask.FromResult(7L);
        });
        await harness.Metrics.RefreshBacklogAsync();

        // Exactly two reads happen: the refresher's first one on registration (it runs concurrently) and the explicit refresh.
        var readsAfterRefresh = await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref reads)), n => n >= 2, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, readsAfterRefresh);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(7, Assert.Single(harness.Single("kn.eventing.backlog").Points).LongValue);
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
            return ValueTask.FromResult(3L);
        });

        await firstRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await harness.Metrics.RefreshBacklogAsync(); // waits for a refresh in progress to finish

        Assert.Equal(3, Assert.Single(harness.Single("kn.eventing.backlog").Points).LongValue);
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
        using var a = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(5L));
        using var b = harness.Metrics.RegisterBacklogSource(failing, _ => fail ? throw new InvalidOperationException("broker down") : ValueTask.FromResult(9L));
        using var c = harness.Metrics.RegisterBacklogSource(hanging, async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1L;
        });

        await harness.Metrics.RefreshBacklogAsync();
        var points = harness.Single("kn.eventing.backlog").Points;
        Assert.Equal(2, points.Count);
        Assert.Equal(9, Assert.Single(points, p => Equals(p.Tags[TriggerName], "audit")).LongValue);

        fail = true;
        await harness.Metrics.RefreshBacklogAsync();

        var point = Assert.Single(harness.Single("kn.eventing.backlog").Points);
        Assert.Equal("leaderboard", point.Tags[TriggerName]);
        Assert.Equal(5, point.LongValue);
    }

    [Fact]
    public async Task A_negative_depth_is_treated_as_a_failed_read()
    {
        using var harness = new MetricsHarness(o => o.BacklogRefreshInterval = TimeSpan.FromHours(1));
        using var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(-1L));

        await harness.Metrics.RefreshBacklogAsync();

        Assert.DoesNotContain(harness.Collect(), m => m.Name == "kn.eventing.backlog" && m.Points.Count > 0);
    }

    [Fact]
    public async Task Disposing_a_registration_removes_its_series_and_a_trigger_has_one_source()
    {
        using var harness = new MetricsHarness(o => o.BacklogRefreshInterval = TimeSpan.FromHours(1));
        var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(1L));

        Assert.Throws<InvalidOperationException>(() =>
            harness.Metrics.RegisterBacklogSource(new TriggerRef(MetricsHarness.Broker, "leaderboard"), _ => ValueTask.FromResult(2L)));

        await harness.Metrics.RefreshBacklogAsync();
        Assert.Single(harness.Single("kn.eventing.backlog").Points);
        registration.Dispose();

        Assert.DoesNotContain(harness.Collect(), m => m.Name == "kn.eventing.backlog" && m.Points.Count > 0);
        using var again = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(2L));
    }
}
