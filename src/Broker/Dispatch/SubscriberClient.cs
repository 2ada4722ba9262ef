using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

using Knative.Eventing.Metrics.Broker.Formatting;

namespace Knative.Eventing.Metrics.Broker.Dispatch;

/// <summary>What a subscriber answered: a status code and, optionally, a reply event.</summary>
internal sealed record SubscriberResponse(int StatusCode, CloudEvent? Reply)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>A subscriber living inside the exporter, addressed as <c>inproc://{Name}</c>.</summary>
internal interface IInProcessSubscriber
{
    string Name { get; }

    Task<SubscriberResponse> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken);
}

/// <summary>Sends an event to a subscriber URI: in-process, or over HTTP in binary mode (reply read from the response).</summary>
internal sealed class SubscriberClient(IEnumerable<IInProcessSubscriber> inProcess, IHttpClientFactory httpClients)
{
    public const string HttpClientName = "subscribers";
    private static readonly PassThroughJsonEventFormatter Formatter = new();
    private readonly Dictionary<string, IInProcessSubscriber> _inProcess = inProcess.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public bool Knows(Uri target) => target.Scheme != "inproc" || _inProcess.ContainsKey(target.Host);

    /// <summary>
    /// Sends <paramref name="cloudEvent"/> to <paramref name="target"/>; an HTTP request carries the attempt's trace context
    /// (<see cref="DispatchAttempt.InjectTraceContext{T}"/>), so the subscriber continues the event's trace. The event's own
    /// <c>traceparent</c> extension, if it has one, travels unchanged as <c>ce-traceparent</c>.
    /// </summary>
    public async Task<SubscriberResponse> SendAsync(Uri target, CloudEvent cloudEvent, DispatchAttempt attempt, CancellationToken cancellationToken)
    {
        if (target.Scheme == "inproc")
        {
            return _inProcess.TryGetValue(target.Host, out var subscriber)
                ? await subscriber.HandleAsync(cloudEvent, cancellationToken).ConfigureAwait(false)
                : new SubscriberResponse(404, null);
        }

        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = cloudEvent.ToHttpContent(ContentMode.Binary, Formatter) };
        attempt.InjectTraceContext(request.Headers, static (headers, name, value) => headers.TryAddWithoutValidation(name, value));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var reply = response.IsSuccessStatusCode && response.IsCloudEvent()
            ? await response.ToCloudEventAsync(Formatter).ConfigureAwait(false)
            : null;
        return new SubscriberResponse((int)response.StatusCode, reply);
    }
}
