using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>The instruments of the meter <see cref="KnativeEventingMeterNames.CloudEvents"/>.</summary>
internal static class CloudEventsInstruments
{
    /// <summary><c>cloudevents.client.send.duration</c>.</summary>
    public static InstrumentDescriptor ClientSendDuration { get; } = new(
        "cloudevents.client.send.duration",
        InstrumentKind.Histogram,
        "s",
        "A producer sending one CloudEvent (or batch) over HTTP, until the response arrived or the send failed.",
        [CloudEventsType, CloudEventsSpecVersion, HttpResponseStatusCode, ErrorType],
        []);

    /// <summary><c>cloudevents.server.receive.duration</c>.</summary>
    public static InstrumentDescriptor ServerReceiveDuration { get; } = new(
        "cloudevents.server.receive.duration",
        InstrumentKind.Histogram,
        "s",
        "A receiver reading and validating one CloudEvent request (binary, structured or batch), accepted or rejected.",
        [CloudEventsType, CloudEventsSpecVersion, HttpResponseStatusCode, ErrorType],
        []);

    /// <summary><c>cloudevents.decode.duration</c>.</summary>
    public static InstrumentDescriptor DecodeDuration { get; } = new(
        "cloudevents.decode.duration",
        InstrumentKind.Histogram,
        "s",
        "One decode call of an instrumented CloudEventFormatter (structured, binary data or batch), successful or failed.",
        [CloudEventsType, CloudEventsSpecVersion, ErrorType],
        []);

    /// <summary><c>cloudevents.decode.errors</c>.</summary>
    public static InstrumentDescriptor DecodeErrors { get; } = new(
        "cloudevents.decode.errors",
        InstrumentKind.Counter,
        "{event}",
        "Messages that could not be decoded as valid CloudEvents, by reason (error.type).",
        [ErrorType],
        []);

    /// <summary>Every instrument above, in catalogue order.</summary>
    public static IReadOnlyList<InstrumentDescriptor> All { get; } =
        [ClientSendDuration, ServerReceiveDuration, DecodeDuration, DecodeErrors];
}
