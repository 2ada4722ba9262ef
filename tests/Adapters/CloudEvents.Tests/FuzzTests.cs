using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>Randomly mutated valid requests: no 5xx, every 4xx is problem+json, every 4xx counted exactly once.</summary>
[Trait("Category", "Unit")]
public sealed class FuzzTests
{
    private const int RequestCount = 10_000;
    private static readonly string[] Headers = ["ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-subject", "ce-dataschema", "ce-extint"];
    private static readonly string[] ContentTypes =
        ["application/json", "text/plain", "application/cloudevents+json", "application/cloudevents-batch+json", "application/cloudevents+xml", "application/octet-stream", "", "garbage;;="];
    private static readonly string[] Fragments = ["%", "%ZZ", "%C3%28", "%E2%82%AC", "1.0", "0.3", "", " ", "\"", "{", "}", "[", "]", "null", "2026-11-25T10:00:00Z", "not-a-time", "http://x/y?z", "ü".Normalize()];

    [Fact]
    public async Task Ten_thousand_mutated_requests_never_fail_the_server_and_every_rejection_is_counted_once()
    {
        using var capture = new MetricCapture();
        await using var host = await ReceiverHost.StartAsync(maxBodyBytes: 4096);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var statuses = new ConcurrentDictionary<int, int>();
        var problems = new ConcurrentBag<string>();
        var random = new Random(20261125);
        var seeds = Enumerable.Range(0, RequestCount).Select(_ => random.Next()).ToArray();

        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (seed, ct) =>
        {
            using var request = Mutate(new Random(seed), $"{host.Url}/events");
            using var response = await http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status >= 400)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || !IsProblem(body, status))
                {
                    problems.Add($"{status} {response.Content.Headers.ContentType}: {body}");
                }
            }
        });

        Assert.True(host.Unhandled.IsEmpty, $"{host.Unhandled.Count} unhandled exceptions, e.g.:\n{string.Join("\n---\n", host.Unhandled.Take(3))}");
        Assert.True(problems.IsEmpty, $"{problems.Count} bad answers, e.g.:\n{string.Join('\n', problems.Take(5))}");
        Assert.All(statuses.Keys, s => Assert.True(s is >= 200 and < 300 or >= 400 and < 500, $"status {s}"));
        var rejected = statuses.Where(s => s.Key >= 400).Sum(s => s.Value);
        var accepted = statuses.Where(s => s.Key < 300).Sum(s => s.Value);
        Assert.Equal(RequestCount, rejected + accepted);
        Assert.True(rejected > 1000 && accepted > 1000, $"the mutations should produce both outcomes: {rejected} rejected, {accepted} accepted");
        Assert.Equal(rejected, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total());
        Assert.Equal(rejected, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.server.receive.duration").Points.Where(p => p.Tags.ContainsKey("error.type")).Sum(p => p.Count));
    }

    private static bool IsProblem(string body, int status)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.GetProperty("status").GetInt32() == status && problem.RootElement.TryGetProperty("reason", out _);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static HttpRequestMessage Mutate(Random random, string url)
    {
        var structured = random.Next(2) == 0;
        if (structured)
        {
            var body = Encoding.UTF8.GetBytes(random.Next(5) == 0 ? $"[{CloudEventsText()},{CloudEventsText()}]" : CloudEventsText());
            var contentType = random.Next(5) == 0 ? "application/cloudevents-batch+json" : "application/cloudevents+json";
            body = MutateBytes(random, body);
            if (random.Next(8) == 0)
            {
                contentType = ContentTypes[random.Next(ContentTypes.Length)];
            }

            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            if (contentType.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            return request;
        }

        var headers = Requests.ValidBinaryHeaders();
        var mutations = random.Next(0, 4);
        for (var i = 0; i < mutations; i++)
        {
            var header = Headers[random.Next(Headers.Length)];
            switch (random.Next(4))
            {
                case 0:
                    headers.Remove(header);
                    break;
                case 1:
                    headers[header] = Fragments[random.Next(Fragments.Length)];
                    break;
                case 2:
                    headers[header] = (headers.GetValueOrDefault(header) ?? "x") + Fragments[random.Next(Fragments.Length)];
                    break;
                default:
                    headers["ce-" + (char)random.Next('A', 'z') + "x"] = "v";
                    break;
            }
        }

        var data = MutateBytes(random, Encoding.UTF8.GetBytes("""{"player":"p1","score":10}"""));
        var binary = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(data) };
        var type = random.Next(6) == 0 ? ContentTypes[random.Next(ContentTypes.Length)] : "application/json";
        if (type.Length > 0)
        {
            binary.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }

        foreach (var (name, value) in headers)
        {
            binary.Headers.TryAddWithoutValidation(name, value.Replace("ü", "%C3%BC", StringComparison.Ordinal));
        }

        return binary;
    }

    private static byte[] MutateBytes(Random random, byte[] body)
    {
        switch (random.Next(6))
        {
            case 0:
                return body; // unchanged
            case 1:
                return body[..random.Next(body.Length)]; // truncated
            case 2:
                var flipped = (byte[])body.Clone();
                flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                return flipped;
            case 3:
                return [.. body, .. new byte[random.Next(5000)]]; // padded, sometimes over the limit
            case 4:
                var text = Encoding.UTF8.GetString(body);
                return Encoding.UTF8.GetBytes(text.Replace("\"1.0\"", random.Next(2) == 0 ? "\"0.3\"" : "1.0", StringComparison.Ordinal));
            default:
                var swapped = Encoding.UTF8.GetString(body).Replace("\"id\"", Fragments[random.Next(Fragments.Length)] is var f && f.Length > 0 ? $"\"{f}\"" : "\"ID\"", StringComparison.Ordinal);
                return Encoding.UTF8.GetBytes(swapped);
        }
    }

    private static string CloudEventsText() => Requests.ValidStructured;
}
