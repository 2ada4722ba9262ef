using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.ScaleOut;

/// <summary>The scale-out tests on RabbitMQ share one 3-node cluster (RabbitMQClusterFixture) and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMQClusterCollection : ICollectionFixture<RabbitMQClusterFixture>
{
    public const string Name = "RabbitMQ cluster";
}
