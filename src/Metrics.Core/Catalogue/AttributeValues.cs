namespace Knative.Eventing.Metrics;

/// <summary>The attribute values of the enumerations of the contract.</summary>
public static class AttributeValues
{
    /// <summary>The <c>kn.delivery.outcome</c> value of an outcome.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns>One of <c>delivered</c>, <c>filtered</c>, <c>dead_lettered</c>, <c>dropped</c>.</returns>
    public static string Of(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Delivered => "delivered",
        DeliveryOutcome.Filtered => "filtered",
        DeliveryOutcome.DeadLettered => "dead_lettered",
        DeliveryOutcome.Dropped => "dropped",
        _ => ErrorTypes.Other,
    };

    /// <summary>The <c>http.response.status_code</c> value of a status code, boxed once per code (no allocation per measurement).</summary>
    /// <param name="statusCode">The status code.</param>
    /// <returns>The cached box (codes outside 100–599 are boxed per call).</returns>
    internal static object StatusCode(int statusCode) => StatusCodeBoxes.Get(statusCode);

    /// <summary>The <c>error.type</c> value of an invalid-event reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>One of <c>missing_attribute</c>, <c>invalid_specversion</c>, <c>malformed</c>, <c>unsupported_media_type</c>,
    /// <c>too_large</c>.</returns>
    public static string Of(InvalidEventReason reason) => reason switch
    {
        InvalidEventReason.MissingAttribute => "missing_attribute",
        InvalidEventReason.InvalidSpecVersion => "invalid_specversion",
        InvalidEventReason.Malformed => "malformed",
        InvalidEventReason.UnsupportedMediaType => "unsupported_media_type",
        InvalidEventReason.TooLarge => "too_large",
        _ => ErrorTypes.Other,
    };

    /// <summary>The <c>kn.consumer.state</c> value of a consumer state.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The attribute value.</returns>
    public static string Of(ConsumerState state) => state switch
    {
        ConsumerState.Running => "running",
        ConsumerState.Failed => "failed",
        _ => ErrorTypes.Other,
    };

    /// <summary>The <c>kn.backlog.scope</c> value of a backlog scope.</summary>
    /// <param name="scope">The scope.</param>
    /// <returns>The attribute value.</returns>
    public static string Of(BacklogScope scope) => scope switch
    {
        BacklogScope.Broker => "broker",
        BacklogScope.Replica => "replica",
        _ => ErrorTypes.Other,
    };
}
