using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>The exporter tests on Kafka share one mock cluster (KafkaFixture) and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaExporterCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "Kafka exporter";
}
