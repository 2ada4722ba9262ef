namespace Knative.Eventing.Metrics;

/// <summary>
/// Attribute keys and fixed values of the metric contract. Keys follow Knative's spelling, so series
/// aggregate with the upstream brokers' own; where OpenTelemetry's semantic conventions differ, Knative
/// wins (<c>cloudevents.type</c>, where the conventions say <c>cloudevents.event_type</c>); the
/// <c>messaging.*</c>, <c>http.*</c> and <c>error.type</c> keys are the conventions' own.
/// </summary>
public static class KnativeAttributes
{
    /// <summary><c>messaging.system</c>; always <see cref="MessagingSystemKnative"/> on <c>kn.eventing.*</c> instruments.</summary>
    public const string MessagingSystem = "messaging.system";

    /// <summary><c>messaging.operation.name</c>: <see cref="OperationSend"/> or <see cref="OperationProcess"/>.</summary>
    public const string MessagingOperationName = "messaging.operation.name";

    /// <summary><c>messaging.destination.name</c>: the backend destination at ingress, <c>trigger:&lt;name&gt;.&lt;namespace&gt;</c> (and the
    /// dead-letter and reply forms) at dispatch.</summary>
    public const string MessagingDestinationName = "messaging.destination.name";

    /// <summary><c>kn.broker.name</c>.</summary>
    public const string BrokerName = "kn.broker.name";

    /// <summary><c>kn.broker.namespace</c>.</summary>
    public const string BrokerNamespace = "kn.broker.namespace";

    /// <summary><c>kn.broker.class</c>: a meter (scope) tag, never a per-measurement attribute.</summary>
    public const string BrokerClass = "kn.broker.class";

    /// <summary><c>kn.trigger.name</c>.</summary>
    public const string TriggerName = "kn.trigger.name";

    /// <summary><c>kn.delivery.outcome</c>: see <see cref="DeliveryOutcome"/>.</summary>
    public const string DeliveryOutcome = "kn.delivery.outcome";

    /// <summary><c>kn.consumer.state</c>: see <see cref="Metrics.ConsumerState"/>.</summary>
    public const string ConsumerState = "kn.consumer.state";

    /// <summary><c>kn.backlog.scope</c>: see <see cref="Metrics.BacklogScope"/>.</summary>
    public const string BacklogScope = "kn.backlog.scope";

    /// <summary>
    /// <c>cloudevents.type</c>, bounded by the cardinality guard: Knative's key (CloudEvents Go SDK, Kafka broker),
    /// not OpenTelemetry's <c>cloudevents.event_type</c>.
    /// </summary>
    public const string CloudEventsType = "cloudevents.type";

    /// <summary><c>cloudevents.source</c>, opt-in and bounded by the cardinality guard.</summary>
    public const string CloudEventsSource = "cloudevents.source";

    /// <summary><c>cloudevents.specversion</c>.</summary>
    public const string CloudEventsSpecVersion = "cloudevents.specversion";

    /// <summary><c>http.response.status_code</c>, an integer, when an HTTP response came back.</summary>
    public const string HttpResponseStatusCode = "http.response.status_code";

    /// <summary>
    /// <c>kn.eventpolicy.name</c>: on an ingress refusal (<see cref="ErrorTypes.Forbidden"/>), the Knative EventPolicy that
    /// matched the sender but whose filters refused the event; absent when no policy matched the sender at all.
    /// Bounded by the cardinality guard (policies are configuration, not input).
    /// </summary>
    public const string EventPolicyName = "kn.eventpolicy.name";

    /// <summary><c>error.type</c>: only on failure; see <see cref="ErrorTypes"/>.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The value of <c>messaging.system</c> on <c>kn.eventing.*</c> instruments.</summary>
    public const string MessagingSystemKnative = "knative";

    /// <summary>The operation name of ingress and dispatch.</summary>
    public const string OperationSend = "send";

    /// <summary>The operation name of the filter step.</summary>
    public const string OperationProcess = "process";
}
