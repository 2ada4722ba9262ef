namespace Knative.Eventing.Metrics;

/// <summary>Where a dispatch attempt goes; decides the <c>messaging.destination.name</c> form.</summary>
public enum DispatchTarget
{
    /// <summary>The trigger's subscriber: <c>trigger:&lt;name&gt;.&lt;namespace&gt;</c>.</summary>
    Subscriber,

    /// <summary>The trigger's dead-letter sink: <c>deadletter:&lt;name&gt;.&lt;namespace&gt;</c>.</summary>
    DeadLetterSink,

    /// <summary>A subscriber's reply sent back to the broker: <c>reply:&lt;name&gt;.&lt;namespace&gt;</c>.</summary>
    Reply,
}
