using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// Turns a connection's events into transport metrics: automatic recoveries (successful or failed),
/// blocked and unblocked notifications, and shutdowns. It only observes; reconnecting is
/// RabbitMQ.Client's automatic recovery. The connection's series exist from <see cref="Attach"/> on, at 0.
/// </summary>
public sealed class RabbitMQConnectionMonitor : IDisposable
{
    private readonly IConnection _connection;
    private readonly RabbitMQInstrumentation _instrumentation;
    private readonly RabbitMQEndpoint _endpoint;
    private int _blocked;

    private RabbitMQConnectionMonitor(IConnection connection, RabbitMQInstrumentation instrumentation)
    {
        _connection = connection;
        _instrumentation = instrumentation;
        _endpoint = new RabbitMQEndpoint(connection);
        connection.RecoverySucceededAsync += OnRecoverySucceededAsync;
        connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;
        connection.ConnectionBlockedAsync += OnBlockedAsync;
        connection.ConnectionUnblockedAsync += OnUnblockedAsync;
        connection.ConnectionShutdownAsync += OnShutdownAsync;
        instrumentation.InitializeConnectionSeries(_endpoint);
    }

    /// <summary>Whether the broker currently blocks this connection.</summary>
    public bool IsBlocked => Volatile.Read(ref _blocked) == 1;

    /// <summary>Starts observing <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="instrumentation">The RabbitMQ transport instruments.</param>
    /// <returns>The monitor; dispose it to stop observing.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static RabbitMQConnectionMonitor Attach(IConnection connection, RabbitMQInstrumentation instrumentation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(instrumentation);
        return new RabbitMQConnectionMonitor(connection, instrumentation);
    }

    /// <summary>Stops observing (and ends a blocked count this monitor started).</summary>
    public void Dispose()
    {
        try
        {
            _connection.RecoverySucceededAsync -= OnRecoverySucceededAsync;
            _connection.ConnectionRecoveryErrorAsync -= OnRecoveryErrorAsync;
            _connection.ConnectionBlockedAsync -= OnBlockedAsync;
            _connection.ConnectionUnblockedAsync -= OnUnblockedAsync;
            _connection.ConnectionShutdownAsync -= OnShutdownAsync;
        }
        catch (ObjectDisposedException)
        {
            // The connection was disposed first; its handlers went with it.
        }

        Unblock();
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs e)
    {
        _instrumentation.RecordRecovery(_endpoint, errorType: null);
        Unblock();
        return Task.CompletedTask;
    }

    private Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs e)
    {
        _instrumentation.RecordRecovery(_endpoint, RabbitMQErrorTypes.Classify(e.Exception, timedOut: false));
        return Task.CompletedTask;
    }

    private Task OnBlockedAsync(object sender, ConnectionBlockedEventArgs e)
    {
        if (Interlocked.Exchange(ref _blocked, 1) == 0)
        {
            _instrumentation.RecordBlocked(_endpoint, +1);
        }

        return Task.CompletedTask;
    }

    private Task OnUnblockedAsync(object sender, AsyncEventArgs e)
    {
        Unblock();
        return Task.CompletedTask;
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs e)
    {
        _instrumentation.RecordConnectionShutdown(_endpoint, e.Initiator);
        return Task.CompletedTask;
    }

    private void Unblock()
    {
        if (Interlocked.Exchange(ref _blocked, 0) == 1)
        {
            _instrumentation.RecordBlocked(_endpoint, -1);
        }
    }
}
