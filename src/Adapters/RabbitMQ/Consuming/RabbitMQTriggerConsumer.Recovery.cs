using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>The channel and its consumer through shutdowns, cancellations and connection recovery.</summary>
public sealed partial class RabbitMQTriggerConsumer
{
    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs e)
    {
        _instrumentation.RecordChannelShutdown(_endpoint, e.Initiator);
        // A connection loss is not a failure: automatic recovery reopens the channel and the consumer (the
        // backend is unready meanwhile, and a restart would not reconnect sooner). A channel closed by a channel
        // error while its connection stays open is not recovered, and the trigger gets nothing until a restart.
        if (e.Initiator != ShutdownInitiator.Application
            && !_stopping.IsCancellationRequested
            && _connection.IsOpen
            && Volatile.Read(ref _consumingAgain) == 0)
        {
            _health.MarkFailed(null, $"channel closed by the {e.Initiator.ToString().ToLowerInvariant()}: {e.ReplyCode} {e.ReplyText}");
        }

        return Task.CompletedTask;
    }

    private Task OnUnregisteredAsync(object sender, ConsumerEventArgs e)
    {
        if (!_cancelling && !_stopping.IsCancellationRequested)
        {
            // RabbitMQ cancelled the consumer: its queue was deleted, or the node holding it is going away.
            // Consuming again tells which: it works when the queue is served again (another leader), fails on a
            // deleted queue (the consumer has failed), and fails with the connection when the node goes (a
            // connection loss, which recovery heals: OnRecoveredAsync consumes again).
            Volatile.Write(ref _consumerTag, null);
            LogCancelledByServer(_logger, _queue);
            _ = Task.Run(() => ConsumeAgainAsync($"RabbitMQ cancelled the consumer of queue '{_queue}' (queue deleted or its node lost)"));
        }

        return Task.CompletedTask;
    }

    private async Task OnRecoveredAsync(object sender, AsyncEventArgs e)
    {
        if (!_channel.IsOpen)
        {
            return;
        }

        if (Volatile.Read(ref _consumerTag) is not null)
        {
            _health.MarkRunning();
        }
        else
        {
            // Cancelled by the server before the connection was lost: recovery does not bring that consumer back.
            await ConsumeAgainAsync($"RabbitMQ cancelled the consumer of queue '{_queue}' and consuming again after recovery " +
                $"failed").ConfigureAwait(false);
        }
    }

    /// <summary>Registers the consumer again after a server cancel (unless paused or stopping); never throws.</summary>
    private async Task ConsumeAgainAsync(string failure)
    {
        try
        {
            await _consumeGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Volatile.Write(ref _consumingAgain, 1);
        try
        {
            if (Volatile.Read(ref _paused) || _stopping.IsCancellationRequested || Volatile.Read(ref _consumerTag) is not null)
            {
                return;
            }

            var tag = await _channel.BasicConsumeAsync(_queue, autoAck: false, _consumer, _stopping.Token).ConfigureAwait(false);
            Volatile.Write(ref _consumerTag, tag);
            _health.MarkRunning();
        }
        catch (Exception) when (!_connection.IsOpen || _stopping.IsCancellationRequested)
        {
            // The connection went with the node (recovery consumes again), or the consumer is stopping.
        }
        catch (Exception ex)
        {
            _health.MarkFailed(ex, failure);
        }
        finally
        {
            Volatile.Write(ref _consumingAgain, 0);
            _consumeGate.Release();
        }
    }
}
