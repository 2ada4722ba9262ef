namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// The OIDC audience of a broker, as Knative names it: <c>&lt;group&gt;/&lt;kind&gt;/&lt;namespace&gt;/&lt;name&gt;</c> in lower case
/// (knative/eventing 8cf4c4b6, pkg/auth/audience.go:28-32), so <c>eventing.knative.dev/broker/&lt;namespace&gt;/&lt;name&gt;</c>.
/// </summary>
internal static class BrokerAudience
{
    public static string Of(BrokerRef broker) => $"eventing.knative.dev/broker/{broker.Namespace}/{broker.Name}".ToLowerInvariant();
}
