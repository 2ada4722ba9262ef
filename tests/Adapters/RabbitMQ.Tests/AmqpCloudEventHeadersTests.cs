using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>Reading the metric attributes from AMQP binding headers (no server needed).</summary>
public sealed class AmqpCloudEventHeadersTests
{
    [Fact]
    public void Reads_type_source_and_arrival_time_from_colon_or_underscore_prefixed_properties()
    {
        var colon = Message(new Dictionary<string, object?>
        {
            ["cloudEvents:type"] = Encoding.UTF8.GetBytes("dev.knative.game.score"),
            ["cloudEvents:source"] = Encoding.UTF8.GetBytes("/game/level/3"),
            ["cloudEvents:knativearrivaltime"] = Encoding.UTF8.GetBytes("2026-11-25T10:00:00.5Z"),
        });
        var underscore = Message(new Dictionary<string, object?> { ["cloudEvents_type"] = "dev.knative.game.start" });

        var a = AmqpCloudEventHeaders.Read(colon);
        var b = AmqpCloudEventHeaders.Read(underscore);

        Assert.Equal(new EventMetadata("dev.knative.game.score", "/game/level/3", new DateTimeOffset(2026, 11, 25, 10, 0, 0, 500, TimeSpan.Zero)), a);
        Assert.Equal(new EventMetadata("dev.knative.game.start", null, null), b);
    }

    [Fact]
    public void Missing_or_unreadable_values_are_null()
    {
        var message = Message(new Dictionary<string, object?> { ["cloudEvents:type"] = 42, ["cloudEvents:knativearrivaltime"] = Encoding.UTF8.GetBytes("yesterday") });

        Assert.Equal(default, AmqpCloudEventHeaders.Read(message));
        Assert.Equal(default, AmqpCloudEventHeaders.Read(Message(null)));
    }

    private static BasicDeliverEventArgs Message(IDictionary<string, object?>? headers) =>
        new("tag", 1, false, "ex", "rk", new BasicProperties { Headers = headers }, ReadOnlyMemory<byte>.Empty);
}
