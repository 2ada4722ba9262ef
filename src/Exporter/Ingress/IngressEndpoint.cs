using System.Diagnostics;
using Knative.Eventing.Metrics.CloudEvents;
using Knative.Eventing.Metrics.Broker.Publishing;
using Knative.Eventing.Metrics.Broker.Formatting;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Broker.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Ingress;

/// <summary>
/// <c>POST /{namespace}/{broker}</c>: reads and validates CloudEvents (binary, structured, batch), answers
/// 202 only after the backend stored them; 400/413/415 for invalid events (counted in
/// <c>kn.eventing.events.invalid</c>), 404 for an unknown broker, 503 when the backend did not accept
/// them (the producer retries). With sender authentication on (<c>--oidc-issuer</c>): 401 for a request without a valid
/// token (its body is not read), 403 for events no EventPolicy allows the sender to send; both counted on
/// <c>kn.eventing.ingress.duration</c> with <c>error.type</c>, nothing stored. Errors are problem+json.
/// </summary>
internal static class IngressEndpoint
{
    /// <summary>
    /// Binary-mode JSON data is checked and kept as the bytes received, as Knative's broker forwards data: not parsed into a
    /// <c>JsonElement</c> here and serialized again to store it (the sender's bytes reach the subscriber unchanged).
    /// </summary>
    private static readonly PassThroughJsonEventFormatter Formatter = new();

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/{namespace}/{broker}", HandleAsync);
    }

    private static async Task HandleAsync(
        HttpContext context,
        string @namespace,
        string broker,
        Topology model,
        EventPublisher publisher,
        KnativeEventingMetrics metrics,
        CloudEventsInstrumentation instrumentation,
        IngressSecurity security,
        IOptions<BrokerOptions> options)
    {
        var start = Stopwatch.GetTimestamp();
        var startedUtc = DateTime.UtcNow;
        var brokerRef = model.Find(@namespace, broker);
        if (brokerRef is null)
        {
            await WriteProblemAsync(context, 404, "Unknown broker", $"There is no broker '{Shorten(broker)}' in namespace '{Shorten(@namespace)}'.");
            return;
        }

        string? subject = null;
        if (security.Authenticator is { } authenticator)
        {
            var authentication = await authenticator.AuthenticateAsync(
                context.Request.Headers.Authorization.ToString(),
                BrokerAudience.Of(brokerRef),
                context.RequestAborted);
            if (!authentication.Succeeded)
            {
                using var refused = StartSpan(context, brokerRef, null, startedUtc);
                metrics.RecordIngressRefused(brokerRef, null, Stopwatch.GetElapsedTime(start), 401, ErrorTypes.Unauthenticated);
                KnativeEventingTracing.SetResult(refused, 401, ErrorTypes.Unauthenticated);
                // RFC 6750 section 3: a request without a token gets the bare challenge, one with a bad token "invalid_token".
                context.Response.Headers.WWWAuthenticate = authentication.Check == "missing" ? "Bearer" : "Bearer error=\"invalid_token\"";
                await WriteProblemAsync(context, 401, "The sender is not authenticated", authentication.Detail!);
                return;
            }

            subject = authentication.Subject;
        }

        var read = await context.Request.ReadCloudEventsAsync(
            new CloudEventReadOptions { MaxBodyBytes = options.Value.MaxEventBytes, Instrumentation = instrumentation, Formatter = Formatter },
            context.RequestAborted);

        using var span = StartSpan(context, brokerRef, read.Succeeded ? read.Events : null, startedUtc);
        if (!read.Succeeded)
        {
            metrics.RecordInvalidEvent(brokerRef, read.Reason!.Value);
            metrics.RecordIngress(brokerRef, null, Stopwatch.GetElapsedTime(start), read.StatusCode, ErrorTypes.InvalidCloudEvent);
            KnativeEventingTracing.SetResult(span, read.StatusCode, ErrorTypes.InvalidCloudEvent);
            await read.WriteProblemAsync(context.Response, context.RequestAborted);
            return;
        }

        var eventType = read.Events.Count == 1 ? read.Events[0].Type : null;
        if (read.Events is [var single])
        {
            KnativeEventingTracing.AddEventAttributes(span, single.Id, single.Type, single.Source?.ToString(), single.Subject);
        }

        if (security.Authorizer is { } authorizer && subject is not null
            && authorizer.Authorize(brokerRef, subject, read.Events) is { Allowed: false } decision)
        {
            metrics.RecordIngressRefused(brokerRef, eventType, Stopwatch.GetElapsedTime(start), 403, ErrorTypes.Forbidden, decision.Policy);
            KnativeEventingTracing.SetResult(span, 403, ErrorTypes.Forbidden);
            await WriteProblemAsync(context, 403, "The sender may not send this event to this broker", decision.Detail!);
            return;
        }

        try
        {
            await publisher.PublishAsync(brokerRef, read.Events, context.RequestAborted);
        }
        catch (PublishRejectedException ex)
        {
            metrics.RecordIngress(brokerRef, eventType, Stopwatch.GetElapsedTime(start), 503, ex.ErrorType);
            KnativeEventingTracing.SetResult(span, 503, ex.ErrorType);
            context.Response.Headers.RetryAfter = "1";
            await WriteProblemAsync(context, 503, "The broker could not store the event", $"{ex.Message} Nothing was accepted; retry.");
            return;
        }

        foreach (var cloudEvent in read.Events)
        {
            metrics.RecordIngress(brokerRef, cloudEvent.Type, Stopwatch.GetElapsedTime(start), 202);
        }

        KnativeEventingTracing.SetResult(span, 202);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    /// <summary>
    /// The ingress span (SERVER), continuing the sender's context (headers, else a single structured event's extension); it is
    /// current while the events are stored, so their publish spans are its children, and baggage goes on with the events.
    /// It starts when the request arrived, as <c>kn.eventing.ingress.duration</c>: the body read is part of it.
    /// </summary>
    private static System.Diagnostics.Activity? StartSpan(
        HttpContext context,
        BrokerRef broker,
        IReadOnlyList<CloudNative.CloudEvents.CloudEvent>? events,
        DateTime startedUtc)
    {
        var parent = context.Request.ReadTraceContext(events);
        var span = KnativeEventingTracing.StartIngress(broker, parent, events?.Count);
        span?.SetStartTime(startedUtc);
        OpenTelemetry.Baggage.Current = parent.Baggage;
        return span;
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ProblemDetails { Status = status, Title = title, Detail = detail },
            (System.Text.Json.JsonSerializerOptions?)null,
            "application/problem+json",
            context.RequestAborted);
    }

    private static string Shorten(string value) => value.Length > 64 ? value[..64] + "…" : value;
}
