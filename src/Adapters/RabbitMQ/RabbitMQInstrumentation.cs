using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private readonly RecordingFailureLog _failures;
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
        : this(meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)), ownsMeter: false, null)
    {
    }

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>, logging recording failures to <paramref
    /// name="logger"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    /// <param name="logger">Where a failed recording is logged (once per kind); it is never thrown.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public RabbitMQInstrumentation(IMeterFactory meterFactory, ILogger logger)
        : this(
            meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)),
            ownsMeter: false,
            logger ?? throw new ArgumentNullException(nameof(logger)))
    {
    }

    /// <summary>Creates the instruments on a meter of its own; dispose to remove it.</summary>
    public RabbitMQInstrumentation()
        : this(null, ownsMeter: true, null)
    {
    }

    private RabbitMQInstrumentation(IMeterFactory? meterFactory, bool ownsMeter, ILogger? logger)
    {
        _failures = new RecordingFailureLog(logger ?? NullLogger.Instance);
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

    /// <summary>How many recordings failed (and were dropped, never thrown) since the start.</summary>
    internal long RecordingFailures => _failures.Failures;

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
        try
        {
            RecordPublishCore(in endpoint, exchange, duration, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordPublish), ex);
        }
    }

    internal void RecordConsumed(in RabbitMQEndpoint endpoint, string queue, bool redelivered)
    {
        try
        {
            RecordConsumedCore(in endpoint, queue, redelivered);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordConsumed), ex);
        }
    }

    internal void RecordProcess(in RabbitMQEndpoint endpoint, string queue, TimeSpan duration, string? errorType)
    {
        try
        {
            RecordProcessCore(in endpoint, queue, duration, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordProcess), ex);
        }
    }

    internal void RecordRecovery(in RabbitMQEndpoint endpoint, string? errorType)
    {
        try
        {
            RecordRecoveryCore(in endpoint, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordRecovery), ex);
        }
    }

    /// <summary>
    /// Creates a connection's recovery, blocked and shutdown series at 0, so that a panel or an alert reading
    /// them shows 0 (never happened) rather than no data until the first failure.
    /// </summary>
    internal void InitializeConnectionSeries(in RabbitMQEndpoint endpoint)
    {
        try
        {
            InitializeConnectionSeriesCore(in endpoint);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(InitializeConnectionSeries), ex);
        }
    }

    internal void RecordBlocked(in RabbitMQEndpoint endpoint, int delta)
    {
        try
        {
            RecordBlockedCore(in endpoint, delta);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordBlocked), ex);
        }
    }

    internal void RecordConnectionShutdown(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        try
        {
            RecordConnectionShutdownCore(in endpoint, initiator);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordConnectionShutdown), ex);
        }
    }

    internal void RecordChannelShutdown(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        try
        {
            RecordChannelShutdownCore(in endpoint, initiator);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordChannelShutdown), ex);
        }
    }

    private static TagList EndpointTags(in RabbitMQEndpoint endpoint) => new()
    {
        { MessagingSystem, System },
        { ServerAddress, endpoint.Address },
        { ServerPort, endpoint.Port },
    };

    private static TagList ShutdownTags(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        var tags = EndpointTags(endpoint);
        tags.Add(RabbitMQInstruments.ShutdownInitiator, InitiatorName(initiator));
        return tags;
    }

    private static string InitiatorName(ShutdownInitiator initiator) => initiator switch
    {
        ShutdownInitiator.Application => "application",
        ShutdownInitiator.Library => "library",
        ShutdownInitiator.Peer => "peer",
        _ => ErrorTypes.Other,
    };

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordPublishCore(in RabbitMQEndpoint endpoint, string exchange, TimeSpan duration, string? errorType)
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

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordConsumedCore(in RabbitMQEndpoint endpoint, string queue, bool redelivered)
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

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordProcessCore(in RabbitMQEndpoint endpoint, string queue, TimeSpan duration, string? errorType)
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

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordRecoveryCore(in RabbitMQEndpoint endpoint, string? errorType)
    {
        var tags = EndpointTags(endpoint);
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _recoveries.Add(1, tags);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void InitializeConnectionSeriesCore(in RabbitMQEndpoint endpoint)
    {
        var tags = EndpointTags(endpoint);
        _recoveries.Add(0, tags);
        _blocked.Add(0, tags);
        foreach (var initiator in (ReadOnlySpan<ShutdownInitiator>)[ShutdownInitiator.Application, ShutdownInitiator.Library, ShutdownInitiator.Peer])
        {
            _connectionShutdowns.Add(0, ShutdownTags(endpoint, initiator));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordBlockedCore(in RabbitMQEndpoint endpoint, int delta)
    {
        _blocked.Add(delta, EndpointTags(endpoint));
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordConnectionShutdownCore(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        var tags = ShutdownTags(endpoint, initiator);
        _connectionShutdowns.Add(1, tags);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordChannelShutdownCore(in RabbitMQEndpoint endpoint, ShutdownInitiator initiator)
    {
        var tags = ShutdownTags(endpoint, initiator);
        _channelShutdowns.Add(1, tags);
    }
}
