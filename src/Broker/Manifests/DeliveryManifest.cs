using Knative.Eventing.Metrics.Broker.Configuration;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A <c>spec.delivery</c> (knative/eventing pkg/apis/duck/v1/delivery_types.go): <c>retry</c>,
/// <c>backoffPolicy</c>, <c>backoffDelay</c> and <c>timeout</c> (ISO-8601), <c>deadLetterSink</c>.
/// </summary>
internal static class DeliveryManifest
{
    public static DeliveryDefinition Read(ManifestNode delivery, DestinationResolver resolver, string ns)
    {
        var definition = new DeliveryDefinition();
        if (delivery.Integer("retry", 0, 100) is { } retry)
        {
            definition.Retry = retry;
        }

        if (delivery.String("backoffPolicy") is { } policy)
        {
            definition.BackoffPolicy = policy is "linear" or "exponential" ? policy : throw delivery.Error("backoffPolicy", $"must be linear or exponential (was '{policy}')");
        }

        definition.BackoffDelay = Duration(delivery, "backoffDelay") ?? definition.BackoffDelay;
        definition.Timeout = Duration(delivery, "timeout") ?? definition.Timeout;
        if (delivery.Mapping("deadLetterSink") is { } sink)
        {
            definition.DeadLetterSink = resolver.Resolve(sink, ns);
        }

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
        return definition;
    }

    private static string? Duration(ManifestNode delivery, string field)
    {
        if (delivery.String(field) is not { } value)
        {
            return null;
        }

        IsoDuration.ParsePositive(value, problem => delivery.Error(field, problem));
        return value;
    }
}
