using System.Diagnostics;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Produces a broker's events to its topic and measures it: a produce returns only once the delivery
/// report says the record was persisted, and throws <see cref="KafkaProduceException"/> otherwise (its
/// <c>ErrorType</c> is librdkafka's error name, e.g. <c>_MSG_TIMED_OUT</c>); each outcome is recorded in
/// <c>kn.eventing.ingress.duration</c> and the transport instruments. The wrapped producer stays yours
/// (configure <c>acks=all</c> and idempotence as your durability needs).
/// </summary>
public sealed class KafkaProducer
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly BrokerRef _broker;
    private readonly string _topic;
    private readonly KnativeEventingMetrics _metrics;
    private readonly KafkaInstrumentation _instrumentation;
    private readonly KafkaProducerOptions _options;

    private KafkaProducer(
        IProducer<byte[]?,
        byte[]?> producer,
        BrokerRef broker,
        string topic,
        KnativeEventingMetrics metrics,
        KafkaInstrumentation instrumentation,
        KafkaProducerOptions options)
    {
        _producer = producer;
        _broker = broker;
        _topic = topic;
        _metrics = metrics;
        _instrumentation = instrumentation;
        _options = options;
    }

    /// <summary>Wraps a producer for one broker's topic.</summary>
    /// <param name="producer">The Confluent.Kafka producer (not disposed by this class).</param>
    /// <param name="broker">The broker whose ingress produces.</param>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="instrumentation">The Kafka transport instruments.</param>
    /// <param name="options">Options (the topic, encoding, …); defaults when null.</param>
    /// <param name="cancellationToken">Cancels creating.</param>
    /// <returns>The producer.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The librdkafka loaded is older than Confluent.Kafka needs (<see
    /// cref="KafkaNativeLibrary.EnsureLoaded"/>).</exception>
    public static Task<KafkaProducer> CreateAsync(
        IProducer<byte[]?, byte[]?> producer,
        BrokerRef broker,
        KnativeEventingMetrics metrics,
        KafkaInstrumentation instrumentation,
        KafkaProducerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(instrumentation);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new KafkaProducerOptions();
        ArgumentNullException.ThrowIfNull(options.Formatter, nameof(options.Formatter));
        // The producer's client loaded librdkafka: refuse one too old for Confluent.Kafka now, not on the first consume.
        KafkaNativeLibrary.EnsureLoaded();
        return Task.FromResult(new KafkaProducer(producer, broker, options.Topic ?? KafkaNames.Topic(broker), metrics, instrumentation, options));
    }

    /// <summary>
    /// Produces one CloudEvent, encoded with the CloudEvents Kafka binding (<see cref="KafkaProducerOptions.ContentMode"/>),
    /// and waits for its delivery report, as the other overload does.
    /// </summary>
    /// <param name="cloudEvent">The event (validated while encoding).</param>
    /// <param name="ingressStartTimestamp">A <see cref="Stopwatch.GetTimestamp"/> of when the ingress received the event; null measures from this
    /// call.</param>
    /// <param name="cancellationToken">Cancels the wait (the record may still be delivered).</param>
    /// <returns>The persisted record's position.</returns>
    /// <exception cref="Knative.Eventing.Metrics.CloudEvents.InvalidCloudEventException">The event is not valid.</exception>
    /// <exception cref="KafkaProduceException">The record was not persisted; <see cref="KafkaProduceException.ErrorType"/> says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<TopicPartitionOffset> PublishAsync(
        CloudNative.CloudEvents.CloudEvent cloudEvent,
        long? ingressStartTimestamp,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var message = KafkaCloudEventBinding.Encode(cloudEvent, _options.ContentMode, _options.Formatter);

        // The publish span (PRODUCER) is what the record carries in its headers, for the trigger consumers' process spans.
        using var span = KnativeEventingTracing.StartPublish(
            _broker, cloudEvent.Id, cloudEvent.Type, cloudEvent.Source?.ToString(), cloudEvent.Subject);
        KnativeEventingTracing.Inject(
            KnativeEventingTracing.Current(), message.Headers, static (h, name, value) => h.Add(name, System.Text.Encoding.UTF8.GetBytes(value)));
        try
        {
            return await PublishAsync(message, cloudEvent.Type, ingressStartTimestamp, cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaProduceException ex)
        {
            KnativeEventingTracing.SetResult(span, null, ex.ErrorType);
            throw;
        }
        catch (OperationCanceledException ex)
        {
            KnativeEventingTracing.SetResult(span, null, ErrorTypes.FromException(ex));
            throw;
        }
    }

    /// <summary>The topic this producer writes to.</summary>
    public string Topic => _topic;

    /// <summary>Produces one record and waits for its delivery report.</summary>
    /// <param name="message">The record (e.g. from <see cref="KafkaCloudEventBinding.Encode"/>).</param>
    /// <param name="eventType">The CloudEvent type, for the bounded <c>cloudevents.type</c> attribute.</param>
    /// <param name="ingressStartTimestamp">A <see cref="Stopwatch.GetTimestamp"/> of when the ingress received the event; null measures from this
    /// call.</param>
    /// <param name="cancellationToken">Cancels the wait (the record may still be delivered).</param>
    /// <returns>The persisted record's position.</returns>
    /// <exception cref="KafkaProduceException">The record was not persisted; <see cref="KafkaProduceException.ErrorType"/> says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<TopicPartitionOffset> PublishAsync(
        Message<byte[]?,
        byte[]?> message,
        string? eventType,
        long? ingressStartTimestamp,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var start = Stopwatch.GetTimestamp();
        var ingressStart = ingressStartTimestamp ?? start;
        string? errorType = null;
        Exception? failure = null;
        DeliveryResult<byte[]?, byte[]?>? result = null;
        try
        {
            result = await _producer.ProduceAsync(_topic, message, cancellationToken).ConfigureAwait(false);
            if (result.Status != PersistenceStatus.Persisted)
            {
                errorType = result.Status == PersistenceStatus.PossiblyPersisted ? "possibly_persisted" : "not_persisted";
            }
        }
        catch (ProduceException<byte[]?, byte[]?> ex)
        {
            failure = ex;
            errorType = KafkaErrorNames.Of(ex.Error.Code);
        }
        catch (KafkaException ex)
        {
            failure = ex;
            errorType = KafkaErrorNames.Of(ex.Error.Code);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Record(ingressStart, start, eventType, typeof(OperationCanceledException).FullName);
            throw;
        }
        catch (Exception ex)
        {
            failure = ex;
            errorType = ErrorTypes.FromException(ex);
        }

        Record(ingressStart, start, eventType, errorType);
        if (errorType is not null)
        {
            throw new KafkaProduceException(errorType, $"Kafka did not persist the event on topic '{_topic}': {errorType}.", failure);
        }

        return result!.TopicPartitionOffset;
    }

    /// <summary>Records the produce and the ingress from one clock reading (both end now).</summary>
    private void Record(long ingressStart, long start, string? eventType, string? errorType)
    {
        var end = Stopwatch.GetTimestamp();
        _instrumentation.RecordProduce(_topic, Stopwatch.GetElapsedTime(start, end), errorType);
        if (_options.RecordIngress)
        {
            _metrics.RecordIngress(_broker, eventType, Stopwatch.GetElapsedTime(ingressStart, end), statusCode: null, errorType);
        }
    }
}
