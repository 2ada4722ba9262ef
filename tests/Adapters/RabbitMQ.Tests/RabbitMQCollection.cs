// Every test here uses the one RabbitMQ server of the collection and listens to the process-wide
// meters, so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

[CollectionDefinition(Name)]
public sealed class RabbitMQCollection : ICollectionFixture<RabbitMQFixture>
{
    public const string Name = "RabbitMQ";
}
