namespace Knative.Eventing.Metrics;

/// <summary>Why an event was rejected as not a valid CloudEvent (the <c>error.type</c> of <c>kn.eventing.events.invalid</c>).</summary>
public enum InvalidEventReason
{
    /// <summary>A required attribute (<c>id</c>, <c>source</c>, <c>type</c>, <c>specversion</c>) is missing or empty:
    /// <c>missing_attribute</c>.</summary>
    MissingAttribute,

    /// <summary>The <c>specversion</c> is not one this broker understands: <c>invalid_specversion</c>.</summary>
    InvalidSpecVersion,

    /// <summary>The body or an attribute could not be parsed (bad JSON, bad time, bad attribute name or encoding): <c>malformed</c>.</summary>
    Malformed,

    /// <summary>The content type is neither a CloudEvents mode nor a data content type the broker accepts: <c>unsupported_media_type</c>.</summary>
    UnsupportedMediaType,

    /// <summary>The event is larger than the configured limit: <c>too_large</c>.</summary>
    TooLarge,
}
