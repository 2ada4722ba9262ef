using System.Diagnostics;
using System.Diagnostics.Metrics;
using RabbitMQ.Client;
using static Knative.Eventing.Metrics.KnativeAttributes;
using static Knative.Eventing.Metrics.MessagingAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// Owns the meter <see cref="KnativeEventingMeterNames.RabbitMQ"/> and its transport instruments
/// (<see cref="RabbitMQInstruments"/>). Shared by every publisher, consumer and monitor of a process.
/// </summary>
public sealed class RabbitMQInstrumentation : IDisposable
{
    private const string System = "rabbitmq";
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sent;
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _consumed;
    private readonly Histogram<double> _processDuration;
    private readonly Counter<long> _redelivered;
    private readonly Counter<long> _recoveries;
    private readonly UpDownCounter<long> _blocked;
    private readonly Counter<long> _connectionShutdowns;
    private readonly Counter<long> _channelShutdowns;

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    public RabbitMQInstrumentation(IMeterFactory meterFactory)
        : this(meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)), ownsMeter: false)
    {
    }

    /// <summary>Creates the instruments on a meter of its own; dispose to remove it.</summary>
    public RabbitMQInstrumentation()
        : this(null, ownsMeter: true)
    {
    }

    private RabbitMQInstrumentation(IMeterFactory? meterFactory, bool ownsMeter)
    {
        _meter = KnativeMeters.Create(meterFactory, KnativeEventingMeterNames.RabbitMQ, typeof(RabbitMQInstrumentation), null);
        _ownsMeter = ownsMeter;
        _sent = _meter.CreateCounter(RabbitMQInstruments.SentMessages);
        _operationDuration = _meter.CreateHistogram(RabbitMQInstruments.OperationDuration);
        _consumed = _meter.CreateCounter(RabbitMQInstruments.ConsumedMessages);
        _processDuration = _meter.CreateHistogram(RabbitMQInstruments.ProcessDuration);
        _redelivered = _meter.CreateCounter(RabbitMQInstruments.RedeliveredMessages);
        _recoveries = _meter.CreateCounter(RabbitMQInstruments.ConnectionRecoveries);
        _connectionShutdowns = _meter.CreateCounter(RabbitMQInstruments.ConnectionShutdowns);
        _channelShutdowns = _meter.CreateCounter(RabbitMQInstruments.ChannelShutdowns);
        _blocked = _meter.CreateUpDownCounter(RabbitMQInstruments.ConnectionsBlocked);
    }

    /// <summary>Disposes the meter when this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void RecordPublish(in RabbitMQEndpoint endpoint, string exchange, TimeSpan duration, string? errorType)
    {
        var tags = new TagList
        {
            { MessagingSystem, System },
            { MessagingOperationName, "publish" },
            { OperationType, "send" },
            { MessagingDestinationName, exchange.Length == 0 ? "amq.default" : exchange },
            { ServerAddress, endpoint.Address },
            { ServerPort, endpoint.Port },
        };
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _sent.Add(1, tags);
        _operationDuration.Record(duration.TotalSeconds, tags);
    }

    internal void RecordConsumed(in RabbitMQEndpoint endpoint, string queue, bool redelivered)
    {
        var tags = new TagList
        {
            { MessagingSystem, System },
            { MessagingOperationName, "deliver" },
            { OperationType, "receive" },
            { MessagingDestinationName, queue },
            { ServerAddress, endpoint.Address },
            { ServerPort, endpoint.Port },
        };
        _consumed.Add(1, tags);
        if (redelivered)
        {
            _redelivered.Add(1, new TagList
            {
                { MessagingSystem, System },
                { MessagingDestinationName, queue },
                { ServerAddress, endpoint.Address },
                { ServerPort, endpoint.Port },
            });
        }
    }

    internal void RecordProcess(in RabbitMQEndpoint endpoint, string queue, TimeSpan duration, string? errorType)
    {
        var tags = new TagList
        {
            { MessagingSystem, System },
            { MessagingOperationName, "process" },
            { OperationType, "process" },
            { MessagingDestinationName, queue },
            { ServerAddress, endpoint.Address },
            { ServerPort, endpoint.Port },
        };
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _processDuration.Record(duration.TotalSeconds, tags);
    }

    internal void RecordRecovery(in RabbitMQEndpoint endpoint, string? errorType)
    {
        var tags = EndpointTags(endpoint);
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _recoveries.Add(1, tags);
    }

    /// <summary>
    /// Creates a connection's recovery, blocked and shutdown series at 0, so that a panel or an alert reading
    /// them shows 0 (never happened) rather than no data until the first failure.
    /// </summary>
    internal void InitializeConnectionSeries(in RabbitMQEndpoint endpoint)
    {
        var tags = EndpointTags(endpoint);
        _recoveries.Add(0, tags);
        _blocked.Add(0, tags);
        foreach (var initiator in (ReadOnlySpan<ShutdownInitiator>)[ShutdownInitiator.Application, ShutdownInitiator.Library, ShutdownInitiator.Peer])
        {
            var shutdownTags = EndpointTags(endpoint);
            shutdownTags.Add(RabbitMQInstruments.ShutdownInitiator, InitiatorName(initiator));
            _connectionShutdowns.Add(0, shutdownTags);
        }
    }

    internal void RecordBlocked(in RabbitMQEndpoint endpoint, int delta) => _blocked.Add(delta, EndpointTags(endpoint));

    internal void RecordConnectionShutdown(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        var tags = EndpointTags(endpoint);
        tags.Add(RabbitMQInstruments.ShutdownInitiator, InitiatorName(initiator));
        _connectionShutdowns.Add(1, tags);
    }

    internal void RecordChannelShutdown(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        var tags = EndpointTags(endpoint);
        tags.Add(RabbitMQInstruments.ShutdownInitiator, InitiatorName(initiator));
        _channelShutdowns.Add(1, tags);
    }

    private static TagList EndpointTags(in RabbitMQEndpoint endpoint) => new()
    {
        { MessagingSystem, System },
        { ServerAddress, endpoint.Address },
        { ServerPort, endpoint.Port },
    };

    private static string InitiatorName(ShutdownInitiator initiator) => initiator switch
    {
        ShutdownInitiator.Application => "application",
        ShutdownInitiator.Library => "library",
        ShutdownInitiator.Peer => "peer",
        _ => ErrorTypes.Other,
    };
}
