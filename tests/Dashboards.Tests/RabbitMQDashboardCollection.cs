namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>The live dashboard test on RabbitMQ has a private node of its own.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMQDashboardCollection : ICollectionFixture<RabbitMQFixture>
{
    public const string Name = "RabbitMQ dashboards";
}
