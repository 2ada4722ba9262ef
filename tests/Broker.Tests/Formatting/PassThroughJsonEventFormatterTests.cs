using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Formatting;

namespace Knative.Eventing.Metrics.Broker.Tests.Formatting;

/// <summary>The broker's formatter forwards binary-mode JSON data as the bytes it received, and still refuses what is not JSON.</summary>
[Trait("Category", "Unit")]
public sealed class PassThroughJsonEventFormatterTests
{
    private static readonly byte[] Json = """{"player":"p1","levelScore":7, "nested":{"a":[1,2.5,"x"]}}"""u8.ToArray();
    private readonly PassThroughJsonEventFormatter _formatter = new();

    [Fact]
    public void Binary_mode_json_data_stays_the_received_bytes_and_is_written_back_unchanged()
    {
        var cloudEvent = Event("application/json");
        _formatter.DecodeBinaryModeEventData(Json, cloudEvent);

        Assert.Equal(Json, Assert.IsType<byte[]>(cloudEvent.Data));
        Assert.Equal(Json, _formatter.EncodeBinaryModeEventData(cloudEvent).ToArray());
    }

    [Fact]
    public void Structured_mode_writes_kept_bytes_as_the_data_value()
    {
        var cloudEvent = Event("application/vnd.game+json");
        _formatter.DecodeBinaryModeEventData(Json, cloudEvent);

        var structured = _formatter.EncodeStructuredModeMessage(cloudEvent, out _);
        using var document = JsonDocument.Parse(structured);
        Assert.Equal(7, document.RootElement.GetProperty("data").GetProperty("levelScore").GetInt32());
        Assert.False(document.RootElement.TryGetProperty("data_base64", out _));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json;charset=UTF-8")]
    [InlineData("application/vnd.game+json; charset=\"utf-8\"")]
    public void Json_declared_as_utf8_is_kept_as_bytes_too(string contentType)
    {
        var cloudEvent = Event(contentType);
        _formatter.DecodeBinaryModeEventData(Json, cloudEvent);

        Assert.Equal(Json, Assert.IsType<byte[]>(cloudEvent.Data));
        Assert.Equal(Json, _formatter.EncodeBinaryModeEventData(cloudEvent).ToArray());
    }

    [Theory]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=utf-8; profile=x")]
    public void Json_with_another_charset_or_more_parameters_is_left_to_the_sdk(string contentType)
    {
        var data = contentType.Contains("utf-16", StringComparison.Ordinal) ? Encoding.Unicode.GetBytes("{\"a\":1}") : "{\"a\":1}"u8.ToArray();
        var cloudEvent = Event(contentType);
        _formatter.DecodeBinaryModeEventData(data, cloudEvent);

        Assert.Equal(1, Assert.IsType<JsonElement>(cloudEvent.Data).GetProperty("a").GetInt32());
    }

    [Theory]
    [InlineData("{\"player\":")]
    [InlineData("{\"a\":1} trailing")]
    [InlineData("not json")]
    public void Malformed_json_data_is_refused_as_the_sdk_refuses_it(string body)
    {
        Assert.ThrowsAny<JsonException>(() => _formatter.DecodeBinaryModeEventData(Encoding.UTF8.GetBytes(body), Event("application/json")));
    }

    [Fact]
    public void Other_content_types_are_left_to_the_sdk()
    {
        var text = Event("text/plain");
        _formatter.DecodeBinaryModeEventData("hello"u8.ToArray(), text);
        Assert.Equal("hello", text.Data);

        var binary = Event("application/octet-stream");
        _formatter.DecodeBinaryModeEventData(new byte[] { 1, 2, 3 }, binary);
        Assert.Equal(new byte[] { 1, 2, 3 }, binary.Data);
        Assert.Equal(new byte[] { 1, 2, 3 }, _formatter.EncodeBinaryModeEventData(binary).ToArray());
    }

    private static CloudEvent Event(string contentType) => new()
    {
        Id = "e1",
        Source = new Uri("/test", UriKind.Relative),
        Type = "dev.knative.test",
        DataContentType = new ContentType(contentType).ToString(),
    };
}
