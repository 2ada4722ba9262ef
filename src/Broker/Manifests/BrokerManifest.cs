using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A Broker: name, namespace, <c>spec.delivery</c> (the default of its triggers that have none, as knative/eventing
/// pkg/reconciler/broker/trigger/trigger.go:272-275 does), and the class annotation, which must name the
/// backend the exporter runs: <c>MTChannelBasedBroker</c> the embedded one, <c>RabbitMQBroker</c> RabbitMQ,
/// <c>Kafka</c> Kafka.
/// </summary>
internal static class BrokerManifest
{
    public static BrokerDeclaration Read(
        ManifestNode root,
        string name,
        string ns,
        IReadOnlyDictionary<string,
        string> annotations,
        string brokerClass,
        DestinationResolver resolver,
        Dictionary<(string, string),
        DeliveryPolicy?> deliveries)
    {
        foreach (var (key, value) in annotations)
        {
            if (key == KnativeManifests.BrokerClassAnnotation)
            {
                var wanted = value switch
                {
                    "MTChannelBasedBroker" => "Embedded",
                    "RabbitMQBroker" => "RabbitMQBroker",
                    "Kafka" => "Kafka",
                    _ => throw root.Error(
                        $"metadata.annotations.{key}",
                        $"'{value}' is not a broker class the exporter has (MTChannelBasedBroker: embedded backend, RabbitMQBroker: RabbitMQ, " +
                            $"Kafka: Kafka)"),
                };
                if (wanted != brokerClass)
                {
                    throw root.Error(
                        $"metadata.annotations.{key}",
                        $"the broker is class {value}, but the exporter runs the {brokerClass} backend: start it with --backend " +
                            $"{(wanted == "Embedded" ? "embedded" : wanted == "Kafka" ? "kafka" : "rabbitmq")}, or change the annotation");
                }
            }
            else if (TriggerManifest.IsKnativeAnnotation(key))
            {
                throw root.Error($"metadata.annotations.{key}", "is not supported on a Broker by the exporter");
            }
        }

        DeliveryPolicy? delivery = null;
        if (root.Mapping("spec") is { } spec)
        {
            if (spec.Mapping("config") is not null)
            {
                throw spec.Error(
                    "config",
                    "is not supported: the backend and its address come from the exporter's settings (--backend, --rabbitmq, --kafka)");
            }

            if (spec.Mapping("delivery") is { } d)
            {
                delivery = DeliveryManifest.Read(d, resolver, ns);
            }

            spec.RejectUnknown("delivery");
        }

        root.RejectUnknown("apiVersion, kind, metadata, spec");
        if (!deliveries.TryAdd((ns, name), delivery))
        {
            throw root.Error("metadata.name", $"broker {ns}/{name} is defined twice");
        }

        return new BrokerDeclaration(ns, name, new Declared(root.Where, InManifest: true));
    }
}
