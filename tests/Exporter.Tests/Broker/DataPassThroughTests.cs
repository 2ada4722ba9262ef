using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// A broker forwards an event's data, as Knative's does: binary-mode JSON data reaches the subscriber as the bytes the
/// sender posted (whitespace, escapes and number spellings included), on every backend. The ingress and each trigger's
/// consumer check the JSON but do not parse it into a document and write it again (docs/performance.md: five parses
/// per event on Kafka).
/// </summary>
public abstract class DataPassThroughTests
{
    /// <summary>JSON that any parse-and-serialize would change: spaces, a line break, a \u escape, an exponent, a key order.</summary>
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("{ \"z\" : 1.50E+3,\n  \"name\":\"caf\\u00e9\", \"a\": [ 1 , 2 ] }");

    /// <summary>The exporter arguments that select the backend, with a prefix of this test's own.</summary>
    protected abstract string[] BackendArgs(string prefix);

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.game+json")]
    public async Task Binary_mode_JSON_data_reaches_the_subscriber_byte_for_byte(string contentType)
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        subscriber.RecordBodies = true;
        const string Key = "--Broker:Triggers:8:";
        await using var exporter = await RunningExporter.StartAsync(
        [
            "--players", "0",
            .. BackendArgs($"kem{Guid.NewGuid():N}"[..12]),
            Key + "Name", "bytes", Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", "bytes.test", Key + "Subscriber", subscriber.Url,
        ]);
        using var request = BinaryCloudEvent.Post($"{exporter.IngressUrl}/demo/default", "bytes-1", "bytes.test", "/bytes", Data);
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using (var accepted = await exporter.Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var arrived = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await subscriber.NextArrivalAsync(arrived.Token);
        var body = Assert.Single(subscriber.BodiesOf("bytes-1"));
        Assert.Equal(Encoding.UTF8.GetString(Data), Encoding.UTF8.GetString(body));
    }
}

/// <summary>On the embedded backend.</summary>
[Trait("Category", "Unit")]
public sealed class EmbeddedDataPassThroughTests : DataPassThroughTests
{
    protected override string[] BackendArgs(string prefix) => [];
}

/// <summary>On RabbitMQ: the data is the AMQP message body.</summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQDataPassThroughTests(RabbitMQFixture fixture) : DataPassThroughTests
{
    protected override string[] BackendArgs(string prefix) =>
        ["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix];
}

/// <summary>On Kafka: the data is the record's value.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaDataPassThroughTests(KafkaFixture fixture) : DataPassThroughTests
{
    protected override string[] BackendArgs(string prefix) =>
        ["--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", prefix];
}
