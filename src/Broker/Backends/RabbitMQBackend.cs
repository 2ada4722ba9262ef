using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Knative.Eventing.Metrics.CloudEvents;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.RabbitMQ;
using RabbitMQ.Client;

using Knative.Eventing.Metrics.Broker.Formatting;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>
/// Knative's RabbitMQ broker layout through the RabbitMQ adapter: one durable fanout exchange per broker,
/// one durable queue per trigger (quorum by default, classic on request; single active consumer for
/// triggers that ask for FIFO across replicas), persistent messages in the CloudEvents AMQP binary binding, publisher
/// confirms (202 only after the confirm), prefetch = parallelism, ack after the final outcome.
/// Publishing and consuming use separate connections, as RabbitMQ advises: under a resource alarm the
/// server stops reading from a connection that publishes, which would also hold that connection's acks
/// and so stop the deliveries that drain the queues.
/// </summary>
internal sealed partial class RabbitMQBackend(
    RabbitMQNodes nodes,
    string queueType,
    string prefix,
    KnativeEventingMetrics metrics,
    RabbitMQInstrumentation instrumentation,
    ILoggerFactory loggers) : ExternalBackend(loggers.CreateLogger<RabbitMQBackend>())
{
    private static readonly PassThroughJsonEventFormatter Formatter = new();
    private readonly Dictionary<BrokerRef, RabbitMQPublisher> _publishers = [];
    private IConnection? _publishing;
    private IConnection? _consuming;

    public override string? UnavailableReason =>
        _publishing is not { IsOpen: true } ? "the RabbitMQ connection for publishing is not open (recovering or not yet connected)"
        : _consuming is not { IsOpen: true } ? "the RabbitMQ connection for consuming is not open (recovering or not yet connected)"
        : null;

    public override async Task StartAsync(Topology model, DispatchEvent dispatch, CancellationToken cancellationToken)
    {
        _publishing = await ConnectAsync("publish", cancellationToken).ConfigureAwait(false);
        _consuming = await ConnectAsync("consume", cancellationToken).ConfigureAwait(false);
        LogNodes(Logger, nodes.Endpoints.Count, queueType);
        var setup = await _publishing.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var broker in model.Brokers)
            {
                await setup.ExchangeDeclareAsync(
                    Exchange(broker),
                    ExchangeType.Fanout,
                    durable: true,
                    autoDelete: false,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var trigger in model.TriggersOf(broker))
                {
                    await DeclareQueueAsync(setup, trigger, cancellationToken).ConfigureAwait(false);
                    await setup.QueueBindAsync(
                        Queue(trigger.Ref),
                        Exchange(broker),
                        string.Empty,
                        cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await setup.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var broker in model.Brokers)
        {
            _publishers[broker] = await RabbitMQPublisher.CreateAsync(
                _publishing, broker, metrics, instrumentation,
                new RabbitMQPublisherOptions
                {
                    Exchange = Exchange(broker),
                    RecordIngress = false,
                    Mandatory = model.TriggersOf(broker).Any(),
                    Formatter = Formatter,
                },
                cancellationToken).ConfigureAwait(false);
        }

        foreach (var trigger in model.Triggers)
        {
            var consumer = await RabbitMQTriggerConsumer.StartAsync(
                _consuming,
                trigger.Ref,
                (delivery, ct) => dispatch(trigger, delivery.Event, delivery.Scope, DeliverySlot.ConsumerBounded, ct),
                metrics,
                instrumentation,
                new RabbitMQConsumerOptions
                {
                    Queue = Queue(trigger.Ref),
                    Parallelism = (ushort)trigger.Parallelism,
                    DrainTimeout = model.DrainTimeout,
                    Formatter = Formatter,
                },
                loggers.CreateLogger<RabbitMQBackend>(),
                cancellationToken).ConfigureAwait(false);
            Consumers.Add(consumer);
            Disposables.Add(RabbitMQTriggerBacklog.Register(metrics, _consuming, consumer, trigger.Ref));
        }
    }

    public override async Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var publisher = _publishers[broker];
        await PublishEachAsync<RabbitMQPublishException>(
            events, e => publisher.PublishAsync(e, null, cancellationToken), ex => ex.ErrorType).ConfigureAwait(false);
    }

    protected override async ValueTask DisposeClientsAsync()
    {
        foreach (var publisher in _publishers.Values)
        {
            await publisher.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var connection in new[] { Interlocked.Exchange(ref _consuming, null), Interlocked.Exchange(ref _publishing, null) })
        {
            if (connection is not null)
            {
                await connection.CloseAsync().ConfigureAwait(false);
                connection.Dispose();
            }
        }
    }

    /// <summary>A recovering connection named for its role (RabbitMQ's connection list shows it), watched by a monitor.</summary>
    private async Task<IConnection> ConnectAsync(string role, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = nodes.First,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            ClientProvidedName = $"knative-eventing-metrics-exporter ({role})",
        };
        var connection = await factory.CreateConnectionAsync(nodes.Endpoints, cancellationToken).ConfigureAwait(false);
        Disposables.Add(RabbitMQConnectionMonitor.Attach(connection, instrumentation));
        return connection;
    }

    /// <summary>
    /// Declares a trigger queue with its type. A queue that exists with other arguments (e.g. a classic queue
    /// from before quorum was the default) is refused by RabbitMQ with PRECONDITION_FAILED; the exporter then
    /// stops with a message that says what to do instead of using a queue of another kind.
    /// </summary>
    private async Task DeclareQueueAsync(IChannel setup, TriggerModel trigger, CancellationToken cancellationToken)
    {
        var queue = Queue(trigger.Ref);
        try
        {
            await setup.QueueDeclareAsync(
                queue,
                durable: true,
                exclusive: false,
                autoDelete: false,
                RabbitMQQueueType.Arguments(queueType, trigger.SingleActiveConsumer),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
        {
            throw new InvalidOperationException(
                $"RabbitMQ refused to declare queue '{queue}' of trigger {trigger.Ref} as a {queueType} " +
                    $"queue{(trigger.SingleActiveConsumer ? " with single active consumer" : string.Empty)}: "
                + $"{ex.ShutdownReason.ReplyText}. The queue exists with other arguments: set Broker:RabbitMQQueueType (and the trigger's " +
                    $"SingleActiveConsumer) to what it has, "
                + "or move its messages to a new queue (e.g. a shovel) and delete it.",
                ex);
        }
    }

    [LoggerMessage(
        EventId = 430,
        Level = LogLevel.Information,
        Message = "RabbitMQ: {Nodes} node(s) to connect to, trigger queues of type {QueueType}")]
    private static partial void LogNodes(ILogger logger, int nodes, string queueType);

    private string Exchange(BrokerRef broker) => RabbitMQNames.Exchange(broker, prefix);

    private string Queue(TriggerRef trigger) => RabbitMQNames.Queue(trigger, prefix);
}
