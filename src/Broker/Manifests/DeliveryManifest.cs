using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A <c>spec.delivery</c> (knative/eventing pkg/apis/duck/v1/delivery_types.go): <c>retry</c>,
/// <c>backoffPolicy</c>, <c>backoffDelay</c> and <c>timeout</c> (ISO-8601), <c>deadLetterSink</c>, parsed once.
/// </summary>
internal static class DeliveryManifest
{
    public static DeliveryPolicy Read(ManifestNode delivery, DestinationResolver resolver, string ns)
    {
        var defaults = DeliveryPolicy.Default;
        var retry = delivery.Integer("retry", 0, DeliveryPolicy.MaxRetry) ?? defaults.Retry;
        var exponential = defaults.ExponentialBackoff;
        if (delivery.String("backoffPolicy") is { } policy)
        {
            exponential = policy switch
            {
                "exponential" => true,
                "linear" => false,
                _ => throw delivery.Error("backoffPolicy", $"must be linear or exponential (was '{policy}')"),
            };
        }

        var backoffDelay = Duration(delivery, "backoffDelay") ?? defaults.BackoffDelay;
        var timeout = Duration(delivery, "timeout") ?? defaults.Timeout;
        var deadLetterSink = delivery.Mapping("deadLetterSink") is { } sink ? resolver.Resolve(sink, ns) : null;
        foreach (var (field, why) in new[]
        {
            ("retryAfterMax", "the exporter does not honour Retry-After"),
            ("format", "the exporter delivers in binary mode"),
        })
        {
            if (delivery.String(field) is not null)
            {
                throw delivery.Error(field, $"is not supported: {why}");
            }
        }

        delivery.RejectUnknown("retry, backoffPolicy, backoffDelay, timeout, deadLetterSink");
        return new DeliveryPolicy(retry, exponential, backoffDelay, timeout, deadLetterSink);
    }

    private static TimeSpan? Duration(ManifestNode delivery, string field) =>
        delivery.String(field) is { } value ? IsoDuration.ParsePositive(value, problem => delivery.Error(field, problem)) : null;
}
