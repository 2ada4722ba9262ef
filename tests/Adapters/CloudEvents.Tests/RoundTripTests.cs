using System.Text;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using FsCheck;
using FsCheck.Fluent;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>Generated valid events survive every binding unchanged.</summary>
[Trait("Category", "Unit")]
public sealed class RoundTripTests
{
    private static readonly JsonEventFormatter Formatter = new();

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public async Task Http_round_trips_through_the_reader_and_writer_preserve_generated_events(ContentMode mode)
    {
        await using var host = await ReceiverHost.StartAsync();
        using var http = new HttpClient();
        foreach (var original in GeneratedEvents.Events.Sample(100, 100))
        {
            // Sent by the SDK's own HttpClient binding, read by ours, written back by ours, read by the SDK.
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{host.Url}/events") { Content = original.ToHttpContent(mode, Formatter) };
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{GeneratedEvents.Describe(original)}\n→ {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

            var echoed = await response.ToCloudEventAsync(Formatter, ReceiverHost.Extensions);

            Assert.Equal(GeneratedEvents.Describe(original), GeneratedEvents.Describe(echoed));
        }
    }

    [Fact]
    public void Amqp_round_trips_preserve_generated_events_in_both_modes_also_as_rabbitmq_delivers_strings()
    {
        var property = Prop.ForAll(GeneratedEvents.Events.ToArbitrary(), original =>
        {
            foreach (var mode in new[] { ContentMode.Binary, ContentMode.Structured })
            {
                var message = AmqpCloudEventBinding.Encode(original, mode, Formatter);
                var decoded = AmqpCloudEventBinding.Decode(message.ApplicationProperties, message.ContentType, message.Body, Formatter, ReceiverHost.Extensions);
                var asDelivered = message.ApplicationProperties.ToDictionary(p => p.Key, p => p.Value is string s ? (object?)Encoding.UTF8.GetBytes(s) : p.Value);
                var fromRabbit = AmqpCloudEventBinding.Decode(asDelivered, message.ContentType, message.Body, Formatter, ReceiverHost.Extensions);
                if (GeneratedEvents.Describe(original) != GeneratedEvents.Describe(decoded) || GeneratedEvents.Describe(original) != GeneratedEvents.Describe(fromRabbit))
                {
                    return false;
                }
            }

            return true;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    [Fact]
    public void Amqp_binary_mode_uses_the_prefixed_properties_and_native_types()
    {
        var original = new CloudEvent(CloudEventsSpecVersion.V1_0, ReceiverHost.Extensions)
        {
            Id = "1",
            Source = new Uri("/game", UriKind.Relative),
            Type = "t",
            DataContentType = "application/json",
            Data = System.Text.Json.JsonSerializer.SerializeToElement(new { a = 1 }),
            ["extint"] = 5,
            ["extbool"] = true,
        };

        var message = AmqpCloudEventBinding.Encode(original, ContentMode.Binary, Formatter);

        Assert.Equal("1.0", message.ApplicationProperties["cloudEvents:specversion"]);
        Assert.Equal("1", message.ApplicationProperties["cloudEvents:id"]);
        Assert.Equal(5, message.ApplicationProperties["cloudEvents:extint"]);
        Assert.Equal(true, message.ApplicationProperties["cloudEvents:extbool"]);
        Assert.False(message.ApplicationProperties.ContainsKey("cloudEvents:datacontenttype"));
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(message.Body.Span));
    }

    [Fact]
    public void Amqp_decoding_reads_colon_or_underscore_prefixed_properties_as_bytes_or_strings()
    {
        // As RabbitMQ delivers them: strings arrive as UTF-8 bytes; clients that cannot use ':' write '_'.
        var colon = new Dictionary<string, object?>
        {
            ["cloudEvents:specversion"] = Encoding.UTF8.GetBytes("1.0"),
            ["cloudEvents:id"] = Encoding.UTF8.GetBytes("7"),
            ["cloudEvents:type"] = Encoding.UTF8.GetBytes("dev.knative.game.score"),
            ["cloudEvents:source"] = Encoding.UTF8.GetBytes("/game/level/3"),
            ["cloudEvents:knativearrivaltime"] = Encoding.UTF8.GetBytes("2026-11-25T10:00:00.5Z"),
        };
        var underscore = new Dictionary<string, object?>
        {
            ["cloudEvents_specversion"] = "1.0",
            ["cloudEvents_id"] = "8",
            ["cloudEvents_type"] = "dev.knative.game.start",
            ["cloudEvents_source"] = "/game",
        };

        var a = AmqpCloudEventBinding.Decode(colon, "application/json", "{}"u8.ToArray(), Formatter, null);
        var b = AmqpCloudEventBinding.Decode(underscore, "application/json", "{}"u8.ToArray(), Formatter, null);

        Assert.Equal(("dev.knative.game.score", "/game/level/3"), (a.Type, a.Source?.ToString()));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, 500, TimeSpan.Zero), KnativeArrivalTime.Parse(a[KnativeArrivalTime.AttributeName]));
        Assert.Equal(("dev.knative.game.start", "/game"), (b.Type, b.Source?.ToString()));
        Assert.Null(b[KnativeArrivalTime.AttributeName]);
    }

    [Fact]
    public void Amqp_decoding_rejects_invalid_messages_with_the_shared_reasons()
    {
        var missing = Assert.Throws<InvalidCloudEventException>(() => AmqpCloudEventBinding.Decode(
            new Dictionary<string, object?> { ["cloudEvents:specversion"] = "1.0", ["cloudEvents:id"] = "1", ["cloudEvents:source"] = "/s" }, null, default, Formatter, null));
        var version = Assert.Throws<InvalidCloudEventException>(() => AmqpCloudEventBinding.Decode(
            new Dictionary<string, object?> { ["cloudEvents:specversion"] = "0.3", ["cloudEvents:id"] = "1", ["cloudEvents:source"] = "/s", ["cloudEvents:type"] = "t" }, null, default, Formatter, null));
        var utf8 = Assert.Throws<InvalidCloudEventException>(() => AmqpCloudEventBinding.Decode(
            new Dictionary<string, object?> { ["cloudEvents:specversion"] = "1.0", ["cloudEvents:id"] = new byte[] { 0xC3, 0x28 }, ["cloudEvents:source"] = "/s", ["cloudEvents:type"] = "t" }, null, default, Formatter, null));

        Assert.Equal(InvalidEventReason.MissingAttribute, missing.Reason);
        Assert.Contains("'type'", missing.Message);
        Assert.Equal(InvalidEventReason.InvalidSpecVersion, version.Reason);
        Assert.Equal(InvalidEventReason.Malformed, utf8.Reason);
    }
}
