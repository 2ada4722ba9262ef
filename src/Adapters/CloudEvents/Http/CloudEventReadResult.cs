using CloudNative.CloudEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// What reading a request gave: the events (one, or a whole batch), or why the request is not valid,
/// with the HTTP status and a problem+json body to answer it with.
/// </summary>
public sealed class CloudEventReadResult
{
    private CloudEventReadResult(IReadOnlyList<CloudEvent> events, ContentMode? mode, bool isBatch, InvalidEventReason? reason, string? detail)
    {
        Events = events;
        Mode = mode;
        IsBatch = isBatch;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>Whether the request held valid CloudEvents.</summary>
    public bool Succeeded => Reason is null;

    /// <summary>The events read (empty on failure).</summary>
    public IReadOnlyList<CloudEvent> Events { get; }

    /// <summary>Binary or structured (a batch is structured), when known.</summary>
    public ContentMode? Mode { get; }

    /// <summary>Whether the request was a batch.</summary>
    public bool IsBatch { get; }

    /// <summary>Why the request was rejected.</summary>
    public InvalidEventReason? Reason { get; }

    /// <summary>What was wrong, for the producer.</summary>
    public string? Detail { get; }

    /// <summary>The status to answer a rejected request with (400, 413 or 415); 0 on success.</summary>
    public int StatusCode => Reason is { } reason ? InvalidCloudEventException.StatusCodeOf(reason) : 0;

    /// <summary>The problem details of a rejected request (RFC 9457), with the reason as <c>type</c> suffix and <c>reason</c> extension.</summary>
    /// <returns>The problem details.</returns>
    /// <exception cref="InvalidOperationException">The read succeeded.</exception>
    public ProblemDetails ToProblemDetails()
    {
        var reason = Reason ?? throw new InvalidOperationException("The request held valid CloudEvents; there is no problem to describe.");
        var code = AttributeValues.Of(reason);
        return new ProblemDetails
        {
            Type = $"https://github.com/knative-eventing-metrics/knative-eventing-metrics/blob/main/docs/cloudevents.md#{code.Replace('_', '-')}",
            Title = reason switch
            {
                InvalidEventReason.MissingAttribute => "A required CloudEvents attribute is missing",
                InvalidEventReason.InvalidSpecVersion => "Unsupported CloudEvents specversion",
                InvalidEventReason.UnsupportedMediaType => "Not a CloudEvents content type",
                InvalidEventReason.TooLarge => "The event is too large",
                _ => "Malformed CloudEvent",
            },
            Status = StatusCode,
            Detail = Detail,
            Extensions = { ["reason"] = code },
        };
    }

    /// <summary>Answers a rejected request: its status and a problem+json body.</summary>
    /// <param name="response">The response to write.</param>
    /// <param name="cancellationToken">Cancels writing.</param>
    /// <returns>A task that completes when the response was written.</returns>
    public Task WriteProblemAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var problem = ToProblemDetails();
        if (response.HttpContext.RequestAborted.IsCancellationRequested || response.HasStarted)
        {
            return Task.CompletedTask; // the client is gone (or an answer is on its way): nothing to write
        }

        response.StatusCode = StatusCode;
        return response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
    }

    internal static CloudEventReadResult Success(
        IReadOnlyList<CloudEvent> events,
        ContentMode mode,
        bool isBatch) => new(events, mode, isBatch, null, null);

    internal static CloudEventReadResult Failure(
        InvalidEventReason reason,
        string detail,
        ContentMode? mode,
        bool isBatch) => new([], mode, isBatch, reason, detail);
}
