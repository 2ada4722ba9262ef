namespace Knative.Eventing.Metrics;

/// <summary>
/// The names of the meters this project publishes. The meter name equals the package name.
/// </summary>
public static class KnativeEventingMeterNames
{
    /// <summary>The meter of the uniform <c>kn.eventing.*</c> instruments.</summary>
    public const string Core = "Knative.Eventing.Metrics";

    /// <summary>The meter of the RabbitMQ transport instruments.</summary>
    public const string RabbitMQ = "Knative.Eventing.Metrics.RabbitMQ";

    /// <summary>The meter of the Kafka transport instruments.</summary>
    public const string Kafka = "Knative.Eventing.Metrics.Kafka";

    /// <summary>The meter of the CloudEvents SDK hook.</summary>
    public const string CloudEvents = "Knative.Eventing.Metrics.CloudEvents";

    /// <summary>Every meter of this project, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [Core, RabbitMQ, Kafka, CloudEvents];
}
