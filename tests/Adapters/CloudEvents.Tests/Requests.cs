using System.Net.Http.Headers;
using System.Text;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>Raw CloudEvents HTTP requests, valid and otherwise, built by hand so tests control every byte.</summary>
internal static class Requests
{
    public const string ValidStructured =
        """{"specversion":"1.0","id":"e-1","source":"/game/level/1","type":"dev.knative.game.score","datacontenttype":"application/json","data":{"player":"p1","score":10}}""";

    public static Dictionary<string, string> ValidBinaryHeaders() => new()
    {
        ["ce-specversion"] = "1.0",
        ["ce-id"] = "e-1",
        ["ce-source"] = "/game/level/1",
        ["ce-type"] = "dev.knative.game.score",
    };

    public static HttpRequestMessage Binary(string url, IDictionary<string, string> headers, string body = """{"player":"p1","score":10}""", string? contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static HttpRequestMessage Structured(string url, string body, string contentType = "application/cloudevents+json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return request;
    }
}
