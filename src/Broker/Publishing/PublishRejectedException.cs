namespace Knative.Eventing.Metrics.Broker.Publishing;

/// <summary>
/// The backend did not store the events (queue full, shutting down, timeout, or the RabbitMQ or Kafka client's
/// own refusal): the ingress answers 503 with <see cref="Exception.Message"/> and nothing is accepted.
/// </summary>
/// <param name="errorType">The <c>error.type</c> the ingress records.</param>
/// <param name="message">What happened, for the producer.</param>
/// <param name="innerException">The client's exception, when there is one.</param>
internal sealed class PublishRejectedException(string errorType, string message, Exception? innerException)
    : Exception(message, innerException)
{
    /// <summary>The <c>error.type</c> the ingress records.</summary>
    public string ErrorType { get; } = errorType;
}
