// One Kafka endpoint per run and process-wide meters: the tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Knative.Eventing.Metrics.Kafka.Tests;

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "Kafka";
}
