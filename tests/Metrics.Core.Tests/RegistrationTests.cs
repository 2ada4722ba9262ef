using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>Dependency injection, configuration binding and option validation.</summary>
[Trait("Category", "Unit")]
public sealed class RegistrationTests
{
    [Fact]
    public void Options_bind_from_configuration_and_the_instance_records_on_the_host_meter_factory()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KnativeEventing:Metrics:BrokerClass"] = "Kafka",
            ["KnativeEventing:Metrics:MaxEventTypes"] = "2",
            ["KnativeEventing:Metrics:RecordEventSource"] = "true",
        }).Build();
        using var services = new ServiceCollection()
            .AddKnativeEventingMetrics(configuration.GetSection(KnativeEventingMetricsOptions.SectionName))
            .BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricCollector<long>(meterFactory, KnativeEventingMeterNames.Core, "kn.eventing.deliveries");

        var metrics = services.GetRequiredService<KnativeEventingMetrics>();
        foreach (var type in new[] { "a", "b", "c", "a" })
        {
            metrics.RecordDelivery(MetricsHarness.Trigger, type, DeliveryOutcome.Filtered, "/src");
        }

        Assert.Equal("Kafka", metrics.Options.BrokerClass);
        Assert.True(metrics.Options.RecordEventSource);
        var measurements = collector.GetMeasurementSnapshot();
        Assert.Equal(["a", "b", "_other", "a"], measurements.Select(m => (string)m.Tags[KnativeAttributes.CloudEventsType]!));
        Assert.All(measurements, m => Assert.Equal("/src", m.Tags[KnativeAttributes.CloudEventsSource]));
        Assert.All(measurements, m => Assert.Equal("filtered", m.Tags[KnativeAttributes.DeliveryOutcome]));
        Assert.Equal("Kafka", collector.Instrument!.Meter.Tags!.Single(t => t.Key == KnativeAttributes.BrokerClass).Value);
        Assert.Same(metrics, services.GetRequiredService<KnativeEventingMetrics>());
    }

    [Fact]
    public void Registering_twice_keeps_one_instance_and_applies_both_configurations()
    {
        using var services = new ServiceCollection()
            .AddKnativeEventingMetrics(o => o.MaxEventTypes = 3)
            .AddKnativeEventingMetrics(o => o.BrokerClass = "Embedded")
            .BuildServiceProvider();

        var metrics = services.GetRequiredService<KnativeEventingMetrics>();

        Assert.Equal(3, metrics.EventTypes.Limit);
        Assert.Equal("Embedded", metrics.Options.BrokerClass);
    }

    [Theory]
    [InlineData("MaxEventTypes", "-1")]
    [InlineData("MaxEventSources", "-5")]
    [InlineData("MaxAttributeValueLength", "0")]
    [InlineData("BacklogRefreshInterval", "00:00:00")]
    [InlineData("BacklogProbeTimeout", "-00:00:01")]
    public void Invalid_options_fail_with_a_message_that_names_the_option(string option, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [option] = value,
        }).Build();
        using var services = new ServiceCollection().AddKnativeEventingMetrics(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<KnativeEventingMetrics>());

        Assert.Contains($"KnativeEventing:Metrics:{option}", ex.Message);
    }

    [Fact]
    public void Invalid_options_without_dependency_injection_throw_the_same_typed_exception()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => new KnativeEventingMetrics(new KnativeEventingMetricsOptions { MaxEventTypes = -1 }, null));

        Assert.Contains("MaxEventTypes", ex.Message);
    }
}
