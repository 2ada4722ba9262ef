namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>A message is not a valid CloudEvent; says why, and which HTTP status answers it.</summary>
public sealed class InvalidCloudEventException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why the message is invalid.</param>
    /// <param name="message">A description for the producer (never the event's data).</param>
    /// <param name="innerException">The parser's exception, when there is one.</param>
    public InvalidCloudEventException(InvalidEventReason reason, string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the message is invalid.</summary>
    public InvalidEventReason Reason { get; }

    /// <summary>The HTTP status for the reason: 413 too large, 415 unsupported media type, else 400.</summary>
    public int StatusCode => StatusCodeOf(Reason);

    /// <summary>The HTTP status that answers a reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>413, 415 or 400.</returns>
    public static int StatusCodeOf(InvalidEventReason reason) => reason switch
    {
        InvalidEventReason.TooLarge => 413,
        InvalidEventReason.UnsupportedMediaType => 415,
        _ => 400,
    };
}
