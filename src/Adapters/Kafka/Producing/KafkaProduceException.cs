namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Kafka did not persist an event (delivery report with an error, timeout, no broker, ...). Thrown so that the caller, not the metrics, decides what
/// the producer is told (a broker ingress
/// answers 503 and the producer retries); the failure is already counted with <see cref="ErrorType"/>.
/// </summary>
public sealed class KafkaProduceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorType">The <c>error.type</c> recorded for the failure (see <see cref="ErrorTypes"/>).</param>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The client's exception, when there is one.</param>
    public KafkaProduceException(string errorType, string message, Exception? innerException)
        : base(message, innerException)
    {
        ErrorType = errorType;
    }

    /// <summary>The <c>error.type</c> recorded for the failure.</summary>
    public string ErrorType { get; }
}
