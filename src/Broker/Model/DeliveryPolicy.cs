namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>Knative's delivery spec, parsed: retries after the first attempt, backoff, attempt timeout, dead-letter sink.</summary>
internal sealed record DeliveryPolicy(int Retry, bool ExponentialBackoff, TimeSpan BackoffDelay, TimeSpan Timeout, Uri? DeadLetterSink)
{
    /// <summary>What a trigger without a delivery spec (nor a broker's) gets: no retry, 10 s per attempt.</summary>
    public static DeliveryPolicy Default { get; } = new(0, true, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), null);

    /// <summary>The most retries a trigger may ask for.</summary>
    public const int MaxRetry = 100;
}
