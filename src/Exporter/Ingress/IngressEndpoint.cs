using System.Diagnostics;
using Knative.Eventing.Metrics.CloudEvents;
using Knative.Eventing.Metrics.Broker.Publishing;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Broker.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Ingress;

/// <summary>
/// <c>POST /{namespace}/{broker}</c>: reads and validates CloudEvents (binary, structured, batch), answers
/// 202 only after the backend stored them; 400/413/415 for invalid events (counted in
/// <c>kn.eventing.events.invalid</c>), 404 for an unknown broker, 503 when the backend did not accept
/// them (the producer retries). Errors are problem+json.
/// </summary>
internal static class IngressEndpoint
{
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

        var read = await context.Request.ReadCloudEventsAsync(
            new CloudEventReadOptions { MaxBodyBytes = options.Value.MaxEventBytes, Instrumentation = instrumentation },
            context.RequestAborted);

        // The ingress span (SERVER) continues the sender's context; it is current while the events are stored, so their
        // publish spans are its children. Baggage goes on with the events.
        var parent = context.Request.ReadTraceContext(read.Succeeded ? read.Events : null);
        using var span = KnativeEventingTracing.StartIngress(brokerRef, parent, read.Succeeded ? read.Events.Count : null);
        span?.SetStartTime(startedUtc); // from the request's arrival, as kn.eventing.ingress.duration: the body read is part of it
        OpenTelemetry.Baggage.Current = parent.Baggage;
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
