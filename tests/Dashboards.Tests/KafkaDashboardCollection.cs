namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>The live dashboard test on Kafka has a mock cluster of its own.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaDashboardCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "Kafka dashboards";
}
