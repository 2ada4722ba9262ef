namespace Knative.Eventing.Metrics;

/// <summary>
/// The documented values of <c>error.type</c>. Besides these, an exception's full type name may
/// appear (a finite set per process); anything else recorded through the API becomes <see cref="Other"/>
/// once the error-type guard is full.
/// </summary>
public static class ErrorTypes
{
    /// <summary>The operation did not finish in time.</summary>
    public const string Timeout = "timeout";

    /// <summary>The peer refused or dropped the connection.</summary>
    public const string ConnectionRefused = "connection_refused";

    /// <summary>The broker negatively acknowledged a publish.</summary>
    public const string Nack = "nack";

    /// <summary>The broker could not route a mandatory publish to any queue.</summary>
    public const string Unroutable = "unroutable";

    /// <summary>A bounded queue of the backend is full: the event was refused, the producer retries later.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>The event is not a valid CloudEvent.</summary>
    public const string InvalidCloudEvent = "invalid_cloudevent";

    /// <summary>
    /// A sender's request carried no credentials the broker accepts (no token, or one that failed a check: signature,
    /// issuer, audience, expiry); answered 401.
    /// </summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>An authenticated sender is not allowed to send this event to this broker (no policy allows it); answered 403.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>
    /// The TLS handshake with an https destination failed: its certificate does not verify against the CAs trusted for it
    /// (a Destination's <c>CACerts</c>, else the system's), its name does not match, or there is no common protocol.
    /// </summary>
    public const string TlsHandshakeFailed = "tls_handshake_failed";

    /// <summary>An error of no known kind (OpenTelemetry's fallback value).</summary>
    public const string Other = "_OTHER";

    /// <summary>The values above, for documentation and validation.</summary>
    internal static IReadOnlyList<string> Documented { get; } =
        [Timeout, ConnectionRefused, Nack, Unroutable, QueueFull, InvalidCloudEvent, Unauthenticated, Forbidden, TlsHandshakeFailed, Other];

    /// <summary>
    /// The <c>error.type</c> of an exception: <see cref="Timeout"/> for a <see cref="TimeoutException"/>
    /// (also when it is the inner exception of a cancellation, as <c>HttpClient</c> throws it),
    /// otherwise the exception's full type name.
    /// </summary>
    /// <param name="exception">The exception; <see langword="null"/> gives <see cref="Other"/>.</param>
    /// <returns>The attribute value.</returns>
    public static string FromException(Exception? exception) => exception switch
    {
        null => Other,
        TimeoutException => Timeout,
        OperationCanceledException { InnerException: TimeoutException } => Timeout,
        _ => exception.GetType().FullName ?? Other,
    };
}
