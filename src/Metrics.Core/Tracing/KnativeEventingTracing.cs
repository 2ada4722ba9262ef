using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics;

/// <summary>
/// The spans of this project and the trace context they travel with. One <see cref="ActivitySource"/> per package, named as its
/// meter (<see cref="KnativeEventingMeterNames"/>); this one creates the ingress (<c>SERVER</c>), publish (<c>PRODUCER</c>),
/// process (<c>CONSUMER</c>, through <see cref="DeliveryScope"/>) and attempt (<c>CLIENT</c>, through <see cref="DispatchAttempt"/>)
/// spans, named <c>{messaging.operation.name} {destination}</c> as OpenTelemetry's messaging conventions (v1.44) say.
/// Context travels as W3C <c>traceparent</c>/<c>tracestate</c> and <c>baggage</c> (OpenTelemetry's own propagators, which
/// drop malformed or oversized values). Nothing here throws; with nothing listening no span is made.
/// </summary>
public static class KnativeEventingTracing
{
    /// <summary>The name of the core <see cref="ActivitySource"/> (the same as the core meter).</summary>
    public const string ActivitySourceName = KnativeEventingMeterNames.Core;

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(KnativeEventingTracing).Assembly.GetName().Version?.ToString());

    private static readonly CompositeTextMapPropagator Propagator = new([new TraceContextPropagator(), new BaggagePropagator()]);

    /// <summary>
    /// Reads W3C trace context and baggage from <paramref name="carrier"/> (HTTP, AMQP or Kafka headers). Malformed headers
    /// (wrong version or lengths, all-zero ids, oversized baggage) give an empty context, never an exception.
    /// </summary>
    /// <typeparam name="T">The carrier's type.</typeparam>
    /// <param name="carrier">The headers.</param>
    /// <param name="getter">Returns the values of a header, or null.</param>
    /// <returns>The context; <c>default</c> when there was none or it was invalid.</returns>
    public static PropagationContext Extract<T>(T carrier, Func<T, string, IEnumerable<string>?> getter)
    {
        try
        {
            return Propagator.Extract(default, carrier, getter);
        }
        catch (Exception)
        {
            return default;
        }
    }

    /// <summary>
    /// Writes <paramref name="context"/> as <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c>; nothing for an empty context.
    /// </summary>
    /// <typeparam name="T">The carrier's type.</typeparam>
    /// <param name="context">The context to send on.</param>
    /// <param name="carrier">The headers.</param>
    /// <param name="setter">Sets one header.</param>
    public static void Inject<T>(PropagationContext context, T carrier, Action<T, string, string> setter)
    {
        try
        {
            Propagator.Inject(context, carrier, setter);
        }
        catch (Exception)
        {
            // A carrier that refuses a header loses the context, never the event.
        }
    }

    private static readonly AsyncLocal<PropagationContext> Passed = new();

    /// <summary>
    /// The context a message published now should carry: the context passed on with <see cref="PassOn"/> in this flow when no
    /// span is made; otherwise the current span (for example the publish span) and the current baggage.
    /// </summary>
    /// <returns>The context to inject.</returns>
    public static PropagationContext Current()
    {
        var passed = Passed.Value;
        return passed.ActivityContext != default ? passed : new(Activity.Current?.Context ?? default, Baggage.Current);
    }

    /// <summary>
    /// With nothing listening, this project makes no span, and the messages published in this async flow carry
    /// <paramref name="context"/> unchanged (the sender's context, or the one a message carried), so a subscriber still
    /// continues the sender's trace. <see cref="StartIngress"/> does this itself; a reply sent without a span calls it.
    /// </summary>
    /// <param name="context">The context to pass on.</param>
    public static void PassOn(PropagationContext context) => Passed.Value = context;

    /// <summary>
    /// Starts the ingress span of one request to <paramref name="broker"/>: kind <c>SERVER</c>, named
    /// <c>send broker:{name}.{namespace}</c>, a child of <paramref name="parent"/> (the sender's context; a new trace when it
    /// is empty). It becomes <see cref="Activity.Current"/>; end it with <see cref="SetResult"/> and dispose it. Without a span
    /// (nothing listens), <paramref name="parent"/> is passed on unchanged (<see cref="PassOn"/>).
    /// </summary>
    /// <param name="broker">The broker.</param>
    /// <param name="parent">The sender's context.</param>
    /// <param name="eventCount">How many events the request carried, when known (a batch).</param>
    /// <returns>The span, or null when nothing listens or the sampler dropped it.</returns>
    public static Activity? StartIngress(BrokerRef broker, PropagationContext parent, int? eventCount = null)
    {
        if (!Source.HasListeners() || broker is null)
        {
            PassOn(parent);
            return null;
        }

        var tags = BrokerTags(SpanAttributes.OperationIngress, SpanAttributes.OperationTypeSend, broker.IngressDestination, broker);
        if (eventCount is > 1)
        {
            tags.Add(SpanAttributes.BatchMessageCount, eventCount.Value);
        }

        return Start(
            broker.IngressSpanName, ActivityKind.Server, parent.ActivityContext, tags, becomeCurrent: true);
    }

    /// <summary>
    /// Starts the span of storing one event in the backend of <paramref name="broker"/>: kind <c>PRODUCER</c>, named
    /// <c>publish broker:{name}.{namespace}</c>, a child of <see cref="Activity.Current"/> (the ingress or reply span). Its
    /// context is what the stored message carries (inject <see cref="Current"/> while it is current). It becomes
    /// <see cref="Activity.Current"/>; end it with <see cref="SetResult"/> and dispose it.
    /// </summary>
    /// <param name="broker">The broker.</param>
    /// <param name="eventId">The CloudEvent id (a span attribute only).</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="eventSource">The CloudEvent source.</param>
    /// <param name="eventSubject">The CloudEvent subject.</param>
    /// <returns>The span, or null when nothing listens or the sampler dropped it.</returns>
    public static Activity? StartPublish(BrokerRef broker, string? eventId, string? eventType, string? eventSource, string? eventSubject)
    {
        if (!Source.HasListeners() || broker is null)
        {
            return null;
        }

        var tags = BrokerTags(SpanAttributes.OperationPublish, SpanAttributes.OperationTypeSend, broker.IngressDestination, broker);
        AddEvent(ref tags, eventId, eventType, eventSource, eventSubject);
        return Start(
            broker.PublishSpanName,
            ActivityKind.Producer,
            default,
            tags,
            becomeCurrent: true,
            useCurrent: true);
    }

    /// <summary>Adds a CloudEvent's id, type, source and subject to a span (<c>cloudevents.event_*</c>; spans only, never metrics).</summary>
    /// <param name="activity">The span (null: nothing to do).</param>
    /// <param name="eventId">The CloudEvent id.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="eventSource">The CloudEvent source.</param>
    /// <param name="eventSubject">The CloudEvent subject.</param>
    public static void AddEventAttributes(Activity? activity, string? eventId, string? eventType, string? eventSource, string? eventSubject)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        var tags = default(TagList);
        AddEvent(ref tags, eventId, eventType, eventSource, eventSubject);
        foreach (var tag in tags)
        {
            activity.SetTag(tag.Key, tag.Value);
        }
    }

    /// <summary>
    /// Records how a span's operation ended, as the HTTP and messaging conventions say: <c>http.response.status_code</c>
    /// when there was a status; on failure <c>error.type</c> (the given one, else the status code) and an error status.
    /// </summary>
    /// <param name="activity">The span (null: nothing to do).</param>
    /// <param name="statusCode">The HTTP status answered or received, if any.</param>
    /// <param name="errorType">Why it failed, when it failed without a failing status (see <see cref="ErrorTypes"/>).</param>
    public static void SetResult(Activity? activity, int? statusCode, string? errorType = null)
    {
        if (activity is null)
        {
            return;
        }

        try
        {
            if (statusCode is { } status)
            {
                activity.SetTag(HttpResponseStatusCode, status);
            }

            var failed = errorType is not null || statusCode is < 200 or >= 300 && statusCode is not null;
            if (failed)
            {
                var type = errorType ?? statusCode!.Value.ToString(CultureInfo.InvariantCulture);
                activity.SetTag(ErrorType, type);
                activity.SetStatus(ActivityStatusCode.Error, type);
            }
        }
        catch (Exception)
        {
            // Never into the host.
        }
    }

    /// <summary>
    /// Makes <paramref name="span"/> current while a measurement is recorded, so that the SDK's trace-based exemplar filter sees
    /// it; returns what was current, for <see cref="Exit"/>. Nothing happens without a span.
    /// </summary>
    internal static Activity? Enter(Activity? span)
    {
        var previous = Activity.Current;
        if (span is not null && !ReferenceEquals(previous, span))
        {
            Activity.Current = span;
        }

        return previous;
    }

    /// <summary>Restores what <see cref="Enter"/> returned.</summary>
    internal static void Exit(Activity? span, Activity? previous)
    {
        if (span is not null && !ReferenceEquals(previous, span))
        {
            Activity.Current = previous;
        }
    }

    /// <summary>Ends a span without touching the caller's <see cref="Activity.Current"/> (Activity.Stop would reset it).</summary>
    internal static void Stop(Activity? activity)
    {
        if (activity is null)
        {
            return;
        }

        var current = Activity.Current;
        activity.Stop();
        if (!ReferenceEquals(current, activity))
        {
            Activity.Current = current;
        }
    }

    /// <summary>
    /// Starts a span. A detached span (<paramref name="becomeCurrent"/> false) leaves <see cref="Activity.Current"/> as it was,
    /// so a loop that starts spans for many messages never parents one on another; with an empty parent it starts a new trace
    /// unless <paramref name="useCurrent"/>.
    /// </summary>
    internal static Activity? Start(
        string name, ActivityKind kind, ActivityContext parent, TagList tags, bool becomeCurrent, bool useCurrent = false)
    {
        var previous = Activity.Current;
        try
        {
            if (parent == default && !useCurrent)
            {
                Activity.Current = null;
            }

            var activity = Source.StartActivity(name, kind, parent, tags);
            if (!becomeCurrent || activity is null)
            {
                Activity.Current = previous;
            }

            return activity;
        }
        catch (Exception)
        {
            Activity.Current = previous;
            return null;
        }
    }

    internal static TagList BrokerTags(string operation, string operationType, string destination, BrokerRef broker) => new()
    {
        { MessagingSystem, MessagingSystemKnative },
        { MessagingOperationName, operation },
        { SpanAttributes.OperationType, operationType },
        { MessagingDestinationName, destination },
        { BrokerName, broker.Name },
        { BrokerNamespace, broker.Namespace },
    };

    internal static void AddEvent(ref TagList tags, string? eventId, string? eventType, string? eventSource, string? eventSubject)
    {
        AddIfPresent(ref tags, SpanAttributes.EventId, eventId);
        AddIfPresent(ref tags, SpanAttributes.EventType, eventType);
        AddIfPresent(ref tags, SpanAttributes.EventSource, eventSource);
        AddIfPresent(ref tags, SpanAttributes.EventSubject, eventSubject);
    }

    private static void AddIfPresent(ref TagList tags, string key, string? value)
    {
        if (value is not null)
        {
            tags.Add(key, value);
        }
    }
}
