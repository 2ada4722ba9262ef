using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>The exporter tests on RabbitMQ share one private node (RabbitMQFixture) and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMQExporterCollection : ICollectionFixture<RabbitMQFixture>
{
    public const string Name = "RabbitMQ exporter";
}
