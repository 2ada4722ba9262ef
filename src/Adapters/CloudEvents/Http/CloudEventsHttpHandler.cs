using System.Diagnostics;
using CloudNative.CloudEvents.Http;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// An <see cref="HttpClient"/> handler that records <c>cloudevents.client.send.duration</c> for requests
/// that carry a CloudEvent (binary mode: a <c>ce-specversion</c> header; structured or batch mode:
/// a <c>application/cloudevents…</c> content type). Other requests pass through unmeasured. The response
/// or exception reaches the caller unchanged.
/// </summary>
public sealed class CloudEventsHttpHandler : DelegatingHandler
{
    /// <summary>The request option under which the event type of a structured-mode request can be given.</summary>
    public static readonly HttpRequestOptionsKey<string> EventTypeOption = new("cloudevents.type");

    private readonly CloudEventsInstrumentation _instrumentation;

    /// <summary>Creates the handler.</summary>
    /// <param name="instrumentation">The instruments to record in.</param>
    /// <exception cref="ArgumentNullException"><paramref name="instrumentation"/> is null.</exception>
    public CloudEventsHttpHandler(CloudEventsInstrumentation instrumentation)
    {
        _instrumentation = instrumentation ?? throw new ArgumentNullException(nameof(instrumentation));
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!TryDescribe(request, out var eventType, out var specVersion))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var start = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _instrumentation.RecordSend(eventType, specVersion, Stopwatch.GetElapsedTime(start), (int)response.StatusCode, null);
            return response;
        }
        catch (Exception ex)
        {
            _instrumentation.RecordSend(eventType, specVersion, Stopwatch.GetElapsedTime(start), null, ErrorTypes.FromException(ex));
            throw;
        }
    }

    private static bool TryDescribe(HttpRequestMessage request, out string? eventType, out string? specVersion)
    {
        request.Options.TryGetValue(EventTypeOption, out eventType);
        specVersion = null;
        var content = request.Content;
        if (content is null)
        {
            return false;
        }

        if (content.Headers.TryGetValues("ce-specversion", out var versions) || request.Headers.TryGetValues("ce-specversion", out versions))
        {
            specVersion = versions.FirstOrDefault();
            if (eventType is null && (content.Headers.TryGetValues("ce-type", out var types) || request.Headers.TryGetValues("ce-type", out types)))
            {
                eventType = HttpUtilities.DecodeHeaderValue(types.First());
            }

            return true;
        }

        var mediaType = content.Headers.ContentType?.MediaType;
        return mediaType is not null && mediaType.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase);
    }
}
