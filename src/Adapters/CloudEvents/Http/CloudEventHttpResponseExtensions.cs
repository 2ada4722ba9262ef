using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Microsoft.AspNetCore.Http;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>Writes a CloudEvent to an ASP.NET Core response per the HTTP binding (binary or structured mode).</summary>
public static class CloudEventHttpResponseExtensions
{
    /// <summary>Writes <paramref name="cloudEvent"/> as the response (status unchanged).</summary>
    /// <param name="response">The response.</param>
    /// <param name="cloudEvent">The event (validated first).</param>
    /// <param name="mode">Binary: attributes as percent-encoded <c>ce-</c> headers, data as body; structured: the whole event as body.</param>
    /// <param name="formatter">The event format.</param>
    /// <param name="cancellationToken">Cancels writing.</param>
    /// <returns>A task that completes when the response was written.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The event is missing required attributes.</exception>
    public static async Task WriteCloudEventAsync(
        this HttpResponse response,
        CloudEvent cloudEvent,
        ContentMode mode,
        CloudEventFormatter formatter,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(cloudEvent);
        ArgumentNullException.ThrowIfNull(formatter);
        cloudEvent.Validate();
        ReadOnlyMemory<byte> body;
        if (mode == ContentMode.Structured)
        {
            body = formatter.EncodeStructuredModeMessage(cloudEvent, out var contentType);
            response.ContentType = contentType.ToString();
        }
        else
        {
            foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
            {
                if (attribute == cloudEvent.SpecVersion.DataContentTypeAttribute)
                {
                    continue;
                }

                response.Headers["ce-" + attribute.Name] = HttpUtilities.EncodeHeaderValue(attribute.Format(value));
            }

            response.Headers["ce-specversion"] = cloudEvent.SpecVersion.VersionId;
            body = formatter.EncodeBinaryModeEventData(cloudEvent);
            var dataContentType = cloudEvent.DataContentType ?? (body.IsEmpty ? null : formatter.GetOrInferDataContentType(cloudEvent));
            if (dataContentType is not null)
            {
                response.ContentType = dataContentType;
            }
        }

        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }
}
