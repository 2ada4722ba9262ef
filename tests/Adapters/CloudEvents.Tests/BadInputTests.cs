using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>Every kind of bad input gets a clear 4xx problem+json answer, is counted once with its reason, and the receiver keeps serving.</summary>
[Trait("Category", "Unit")]
public sealed class BadInputTests
{
    public static TheoryData<string, Func<string, HttpRequestMessage>, int, string> Cases()
    {
        static Dictionary<string, string> Without(string header)
        {
            var headers = Requests.ValidBinaryHeaders();
            headers.Remove(header);
            return headers;
        }

        static Dictionary<string, string> With(string header, string value)
        {
            var headers = Requests.ValidBinaryHeaders();
            headers[header] = value;
            return headers;
        }

        var data = new TheoryData<string, Func<string, HttpRequestMessage>, int, string>();
        foreach (var attribute in new[] { "id", "source", "type", "specversion" })
        {
            data.Add($"binary without {attribute}", url => Requests.Binary(url, Without("ce-" + attribute)), 400, "missing_attribute");
            data.Add($"structured without {attribute}", url => Requests.Structured(url, RemoveJson(attribute)), 400, "missing_attribute");
        }

        data.Add("binary empty id", url => Requests.Binary(url, With("ce-id", "")), 400, "missing_attribute");
        data.Add("binary specversion 0.3", url => Requests.Binary(url, With("ce-specversion", "0.3")), 400, "invalid_specversion");
        data.Add("structured specversion 2.0", url => Requests.Structured(url, Requests.ValidStructured.Replace("\"1.0\"", "\"2.0\"")), 400, "invalid_specversion");
        data.Add("binary invalid attribute name", url => Requests.Binary(url, With("ce-my_ext", "x")), 400, "malformed");
        data.Add("structured invalid attribute name", url => Requests.Structured(url, Requests.ValidStructured.Replace("\"id\"", "\"Bad-Name\":\"x\",\"id\"")), 400, "malformed");
        data.Add("binary bad time", url => Requests.Binary(url, With("ce-time", "yesterday")), 400, "malformed");
        data.Add("structured bad time", url => Requests.Structured(url, Requests.ValidStructured.Replace("\"id\"", "\"time\":\"2026-13-45T99:00:00Z\",\"id\"")), 400, "malformed");
        data.Add("structured object extension", url => Requests.Structured(url, Requests.ValidStructured.Replace("\"id\"", "\"ext\":{\"a\":1},\"id\"")), 400, "malformed");
        data.Add("malformed JSON", url => Requests.Structured(url, "{\"specversion\":\"1.0\",\"id\":"), 400, "malformed");
        data.Add("JSON that is not an object", url => Requests.Structured(url, "[1,2,3]"), 400, "malformed");
        data.Add("binary data not matching its JSON content type", url => Requests.Binary(url, Requests.ValidBinaryHeaders(), "{not json"), 400, "malformed");
        data.Add("no CloudEvent at all", url => Requests.Binary(url, new Dictionary<string, string>(), "hello", "text/plain"), 415, "unsupported_media_type");
        data.Add("unsupported event format", url => Requests.Structured(url, "<event/>", "application/cloudevents+xml"), 415, "unsupported_media_type");
        data.Add("unparseable content type", url => Requests.Binary(url, Requests.ValidBinaryHeaders(), "{}", "not a/media type;;"), 415, "unsupported_media_type");
        data.Add("bad percent encoding", url => Requests.Binary(url, With("ce-subject", "100%ZZ")), 400, "malformed");
        data.Add("percent-encoded invalid UTF-8", url => Requests.Binary(url, With("ce-subject", "%C3%28")), 400, "malformed");
        data.Add("batch with one bad event", url => Requests.Structured(url, $"[{Requests.ValidStructured},{RemoveJson("id")}]", "application/cloudevents-batch+json"), 400, "missing_attribute");
        data.Add("batch that is not an array", url => Requests.Structured(url, Requests.ValidStructured, "application/cloudevents-batch+json"), 400, "malformed");
        data.Add("declared body over 1 MiB", url => Requests.Structured(url, new string(' ', 1024 * 1024 + 1) + Requests.ValidStructured), 413, "too_large");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_answered_with_a_problem_and_counted_once(string name, Func<string, HttpRequestMessage> build, int status, string reason)
    {
        using var capture = new MetricCapture();
        await using var host = await ReceiverHost.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(build($"{host.Url}/events"));

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await AssertProblemAsync(response, status, reason);
        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total());
        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total(("error.type", reason)));
        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.server.receive.duration").Total(("http.response.status_code", status), ("error.type", reason)));
        Assert.Equal(0, host.AcceptedEvents);
        await AssertStillServingAsync(http, host);
    }

    [Fact]
    public async Task An_oversized_chunked_body_is_rejected_while_reading()
    {
        using var capture = new MetricCapture();
        await using var host = await ReceiverHost.StartAsync(maxBodyBytes: 64 * 1024);
        using var http = new HttpClient();
        var written = 0L;
        var content = new PushStreamContent(async stream =>
        {
            var chunk = Encoding.UTF8.GetBytes(new string(' ', 8192));
            try
            {
                for (var i = 0; i < 1024; i++) // up to 8 MiB, but the server answers long before
                {
                    await stream.WriteAsync(chunk);
                    written += chunk.Length;
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
            {
                // The server answered 413 and stopped reading.
            }
        });
        content.Headers.ContentType = new("application/cloudevents+json");

        using var response = await http.PostAsync($"{host.Url}/events", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertProblemAsync(response, 413, "too_large");
        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total(("error.type", "too_large")));
        await AssertStillServingAsync(http, host);
    }

    [Fact]
    public async Task A_truncated_body_is_malformed_and_counted()
    {
        using var capture = new MetricCapture();
        await using var host = await ReceiverHost.StartAsync();
        var uri = new Uri(host.Url);
        var body = Requests.ValidStructured;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            var stream = client.GetStream();
            var head = $"POST /events HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/cloudevents+json\r\nContent-Length: {body.Length + 100}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body));
            client.Client.Shutdown(SocketShutdown.Send); // the connection ends 100 bytes early
            using var reader = new StreamReader(stream);
            try
            {
                _ = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (IOException)
            {
                // The server may reset a connection whose request ended early.
            }
        }

        // The server records after the client saw the connection end.
        var errors = await Poll.UntilAsync(
            () => Task.FromResult(capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total(("error.type", "malformed"))),
            n => n >= 1,
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, errors);
        Assert.Equal(0, host.AcceptedEvents);
        using var http = new HttpClient();
        await AssertStillServingAsync(http, host);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, int status, string reason)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }

    private static async Task AssertStillServingAsync(HttpClient http, ReceiverHost host)
    {
        var before = host.AcceptedEvents;
        using var ok = await http.SendAsync(Requests.Structured($"{host.Url}/events", Requests.ValidStructured));
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        Assert.Equal(before + 1, host.AcceptedEvents);
    }

    private static string RemoveJson(string attribute)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Requests.ValidStructured)!.AsObject();
        node.Remove(attribute);
        return node.ToJsonString();
    }

    /// <summary>HttpContent whose body is written by a callback (chunked, no Content-Length).</summary>
    private sealed class PushStreamContent(Func<Stream, Task> write) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => write(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
