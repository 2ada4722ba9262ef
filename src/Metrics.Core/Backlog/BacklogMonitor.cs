using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics;

/// <summary>
/// Reads every registered backlog source in the background and caches the values; the
/// <c>kn.eventing.backlog</c> gauge reads only the cache, so a scrape never waits on a broker.
/// A source whose read fails or times out reports no value until it reads again. Every reading is
/// reported as two series, <c>kn.backlog.scope</c> = broker and replica (see <see cref="BacklogScope"/>).
/// </summary>
internal sealed partial class BacklogMonitor : IDisposable
{
    private static readonly string BrokerScope = AttributeValues.Of(BacklogScope.Broker);
    private static readonly string ReplicaScope = AttributeValues.Of(BacklogScope.Replica);
    private readonly Lock _lock = new();
    private readonly List<BacklogRegistration> _registrations = [];
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private Task? _loop;

    public BacklogMonitor(TimeSpan interval, TimeSpan timeout, ILogger logger)
    {
        _interval = interval;
        _timeout = timeout;
        _logger = logger;
    }

    public IDisposable Register(TriggerRef trigger, Func<CancellationToken, ValueTask<BacklogReading>> read)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(read);
        var registration = new BacklogRegistration(this, trigger, read);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_registrations.Exists(r => r.Trigger.Equals(trigger)))
            {
                throw new InvalidOperationException($"A backlog source for trigger '{trigger}' is already registered; dispose it first.");
            }

            _registrations.Add(registration);
            _loop ??= Task.Run(LoopAsync);
        }

        return registration;
    }

    public void Unregister(BacklogRegistration registration)
    {
        lock (_lock)
        {
            _registrations.Remove(registration);
        }
    }

    /// <summary>Reads every source now (at most one refresh runs at a time).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = Snapshot();
            var reads = new Task[snapshot.Length];
            for (var i = 0; i < snapshot.Length; i++)
            {
                reads[i] = ReadOneAsync(snapshot[i], cancellationToken);
            }

            await Task.WhenAll(reads).ConfigureAwait(false);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>The gauge callback: cached values only, no I/O.</summary>
    public IEnumerable<Measurement<long>> Observe()
    {
        var snapshot = Snapshot();
        var measurements = new List<Measurement<long>>(snapshot.Length * 2);
        foreach (var registration in snapshot)
        {
            if (registration.Value is { } value)
            {
                measurements.Add(new Measurement<long>(value.Broker, Tags(registration.Trigger, BrokerScope)));
                measurements.Add(new Measurement<long>(value.Replica, Tags(registration.Trigger, ReplicaScope)));
            }
        }

        return measurements;
    }

    private static TagList Tags(TriggerRef trigger, string scope) => new()
    {
        { KnativeAttributes.BrokerName, trigger.Broker.Name },
        { KnativeAttributes.BrokerNamespace, trigger.Broker.Namespace },
        { KnativeAttributes.TriggerName, trigger.Name },
        { KnativeAttributes.BacklogScope, scope },
    };

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping.Cancel();
            _registrations.Clear();
        }
    }

    private BacklogRegistration[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _registrations];
        }
    }

    private async Task ReadOneAsync(BacklogRegistration registration, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(_timeout);
        try
        {
            var value = await registration.Read(timeout.Token).ConfigureAwait(false);
            if (value.Broker < 0 || value.Replica < 0)
            {
                throw new InvalidOperationException($"The backlog source returned a negative depth ({value}).");
            }

            if (registration.Succeeded(value))
            {
                LogSourceRecovered(_logger, registration.Trigger.ToString());
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (registration.Failed())
            {
                LogSourceFailed(_logger, registration.Trigger.ToString(), ex);
            }
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRefreshFailed(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "Reading the backlog of trigger {Trigger} failed; kn.eventing.backlog reports no value for it until a read succeeds")]
    private static partial void LogSourceFailed(ILogger logger, string trigger, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Reading the backlog of trigger {Trigger} works again")]
    private static partial void LogSourceRecovered(ILogger logger, string trigger);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "The backlog refresh loop failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
