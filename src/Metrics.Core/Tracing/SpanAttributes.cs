namespace Knative.Eventing.Metrics;

/// <summary>
/// Span-only attribute keys and values (never on metrics: event ids and subjects are unbounded), from OpenTelemetry's
/// semantic conventions v1.44: messaging spans (<c>messaging.operation.type</c>), CloudEvents
/// (<c>cloudevents.event_*</c>) and HTTP (<c>http.request.resend_count</c>).
/// </summary>
internal static class SpanAttributes
{
    public const string OperationType = MessagingAttributes.OperationType;
    public const string OperationTypeSend = "send";
    public const string OperationTypeProcess = "process";

    /// <summary>The ingress's operation: a sender's <c>send</c> to the broker, as <c>kn.eventing.ingress.duration</c> calls it.</summary>
    public const string OperationIngress = KnativeAttributes.OperationSend;

    /// <summary>Storing an accepted event in the backend.</summary>
    public const string OperationPublish = "publish";

    public const string BatchMessageCount = "messaging.batch.message_count";
    public const string EventId = "cloudevents.event_id";
    public const string EventType = "cloudevents.event_type";
    public const string EventSource = "cloudevents.event_source";
    public const string EventSubject = "cloudevents.event_subject";
    public const string ResendCount = "http.request.resend_count";
}
