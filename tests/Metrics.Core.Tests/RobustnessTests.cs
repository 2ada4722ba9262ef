using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>The library never throws into its host; bad input at the API boundary gets typed exceptions.</summary>
[Trait("Category", "Unit")]
public sealed class RobustnessTests
{
    [Fact]
    public void Recording_with_null_context_does_not_throw_and_is_logged_once()
    {
        var logger = new FakeLogger();
        using var metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions(), logger);

        for (var i = 0; i < 3; i++)
        {
            metrics.RecordIngress(null!, "t", TimeSpan.Zero);
            metrics.RecordDelivery(null!, "t", DeliveryOutcome.Delivered);
            metrics.StartDispatch(null!, DispatchTarget.Subscriber, "t").Complete(200);
        }

        Assert.Equal(9, metrics.RecordingFailures);
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.IsType<ArgumentNullException>(w.Exception));
    }

    [Fact]
    public void A_default_dispatch_attempt_records_nothing_and_does_not_throw()
    {
        using var harness = new MetricsHarness();
        var attempt = default(DispatchAttempt);
        attempt.Complete(200);
        attempt.Fail("timeout");

        Assert.True(attempt.IsCompleted);
        Assert.DoesNotContain(harness.Collect(), m => m.Name == "kn.eventing.dispatch.duration");
    }

    [Fact]
    public void Unknown_error_types_past_the_limit_become_OTHER()
    {
        using var harness = new MetricsHarness();
        for (var i = 0; i < 200; i++)
        {
            harness.Metrics.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, "t").Fail($"custom-{i}");
        }

        var errorTypes = harness.Single("kn.eventing.dispatch.duration").Points.Select(p => p.Tags[KnativeAttributes.ErrorType]).ToHashSet();

        Assert.Equal(65, errorTypes.Count); // 64 kept + _OTHER
        Assert.Contains("_OTHER", errorTypes);
    }

    [Theory]
    [InlineData("", "default")]
    [InlineData("demo", " ")]
    public void Blank_broker_names_are_rejected_at_construction(string ns, string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new BrokerRef(ns, name));
    }

    [Fact]
    public void Overlong_names_are_rejected_with_the_limit_in_the_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TriggerRef(MetricsHarness.Broker, new string('t', 254)));

        Assert.Contains("253", ex.Message);
        Assert.Equal("name", ex.ParamName);
    }

    [Fact]
    public void Exceptions_map_to_documented_error_types()
    {
        Assert.Equal("timeout", ErrorTypes.FromException(new TimeoutException()));
        Assert.Equal("timeout", ErrorTypes.FromException(new TaskCanceledException("t", new TimeoutException())));
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", ErrorTypes.FromException(new TaskCanceledException()));
        Assert.Equal("System.Net.Http.HttpRequestException", ErrorTypes.FromException(new HttpRequestException()));
        Assert.Equal("_OTHER", ErrorTypes.FromException(null));
    }
}
