using System.Net.Http.Headers;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>A CloudEvent as a producer posts it to a broker ingress: HTTP binary mode, JSON data.</summary>
public static class BinaryCloudEvent
{
    /// <summary>A POST of the event (<paramref name="id"/>, <paramref name="type"/>, <paramref name="source"/>) with <paramref name="data"/> as <c>application/json</c>.</summary>
    public static HttpRequestMessage Post(string url, string id, string type, string source, byte[] data)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(data) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add("ce-specversion", "1.0");
        message.Headers.Add("ce-id", id);
        message.Headers.Add("ce-source", source);
        message.Headers.Add("ce-type", type);
        return message;
    }
}
