namespace Knative.Eventing.Metrics;

/// <summary>
/// The few CloudEvent attributes the metrics use, read from a message's headers by an adapter
/// (never the id, subject, time or data).
/// </summary>
/// <param name="Type">The CloudEvent <c>type</c>, when present.</param>
/// <param name="Source">The CloudEvent <c>source</c>, when present (recorded only when enabled).</param>
/// <param name="ArrivalTime">The <c>knativearrivaltime</c> extension stamped by the broker ingress, when present.</param>
public readonly record struct EventMetadata(string? Type, string? Source, DateTimeOffset? ArrivalTime);
