using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// The one place the broker configuration is validated (registered with <c>ValidateOnStart</c>, so a bad
/// setting stops the exporter before anything listens, with a message naming the setting): the backend and
/// its address, the brokers and triggers (<see cref="Topology.Build"/>), in-process subscribers, and on
/// Kafka the native library and the operator's librdkafka properties.
/// </summary>
internal sealed class BrokerOptionsValidator(SubscriberClient subscribers, TopologySource topology, IOptions<GameOptions> game)
    : IValidateOptions<BrokerOptions>
{
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        try
        {
            if (options.Oidc.Enabled && game.Value.Enabled && game.Value.Players > 0)
            {
                throw new InvalidOperationException(
                    "Invalid broker configuration: Broker:Oidc:Issuer: the game's simulated players have no tokens from the issuer, " +
                        "so sender authentication would refuse all of them: run with --no-game (or --players 0) and your own senders.");
            }

            ValidateBackend(options);
            var model = topology.Get(options);
            foreach (var trigger in model.Triggers.Where(t => !subscribers.Knows(t.Subscriber)))
            {
                throw new InvalidOperationException($"Invalid broker configuration: trigger {trigger.Ref}: no in-process subscriber " +
                    $"'{trigger.Subscriber.Host}' (the game's inproc:// subscribers are there only while the game is: not with --no-game).");
            }

            if (BackendFactory.BrokerClass(options.Backend) == "Kafka")
            {
                KafkaBackend.Validate(
                    options.Kafka,
                    string.IsNullOrWhiteSpace(options.LibrdkafkaPath) ? null : options.LibrdkafkaPath,
                    new KafkaClientProperties(options));
            }

            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }

    private static void ValidateBackend(BrokerOptions options)
    {
        switch (options.Backend.ToLowerInvariant())
        {
            case "embedded":
                break;
            case "rabbitmq" or "rabbitmqbroker":
                _ = RabbitMQNodes.Parse(options.RabbitMQ);
                _ = RabbitMQQueueType.Parse(options.RabbitMQQueueType);
                break;
            case "kafka":
                if (string.IsNullOrWhiteSpace(options.Kafka))
                {
                    throw new InvalidOperationException("Invalid broker configuration: Broker:Kafka: bootstrap servers are required.");
                }

                break;
            default:
                throw new InvalidOperationException($"Invalid broker configuration: Broker:Backend: '{options.Backend}' is not one of " +
                    $"{string.Join(", ", BackendFactory.Names)}.");
        }
    }
}
