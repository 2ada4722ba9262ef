using System.Diagnostics;
using System.Text.RegularExpressions;
using Knative.Eventing.Metrics.Exporter.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>The exporter as an operator starts it: configuration errors, the real executable, shutdown.</summary>
[Trait("Category", "Unit")]
public sealed partial class StartupTests
{
    [Theory]
    [InlineData("--metrics-url", "not a url", "Exporter:MetricsUrl")]
    [InlineData("--ingress-url", "https://127.0.0.1:0", "Exporter:IngressUrl")]
    [InlineData("--metrics-url", "http://example.invalid:9464", "Exporter:MetricsUrl")]
    [InlineData("--Exporter:RequestHeadersTimeout", "10s", "Exporter:RequestHeadersTimeout")]
    [InlineData("--Exporter:KeepAliveTimeout", "PT0S", "Exporter:KeepAliveTimeout")]
    [InlineData("--Exporter:MaxConnections", "0", "Exporter:MaxConnections")]
    [InlineData("--Exporter:MinRequestBodyBytesPerSecond", "-1", "Exporter:MinRequestBodyBytesPerSecond")]
    [InlineData("--Exporter:TrailCapacity", "-1", "Exporter:TrailCapacity")]
    [InlineData("--Exporter:TrailCapacity", "100001", "Exporter:TrailCapacity")]
    public async Task A_bad_listener_url_fails_at_startup_naming_the_setting(string option, string value, string setting)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildAndStartAsync([option, value]));

        Assert.Contains(setting, ex.Message);
    }

    /// <summary>A trigger defined in settings, beside the game's (from its manifests), for a test to break one field of.</summary>
    private static readonly string[] SettingsTrigger =
        ["--Broker:Triggers:0:Name", "extra", "--Broker:Triggers:0:Namespace", "demo", "--Broker:Triggers:0:Subscriber", "inproc://leaderboard"];

    [Theory]
    [InlineData("--Broker:Triggers:0:Delivery:BackoffDelay", "soon", "Broker:Triggers:0:Delivery:BackoffDelay")]
    [InlineData("--Broker:Triggers:0:Delivery:BackoffPolicy", "random", "Broker:Triggers:0:Delivery:BackoffPolicy")]
    [InlineData("--Broker:Triggers:0:Subscriber", "ftp://x", "Broker:Triggers:0:Subscriber")]
    [InlineData("--Broker:Triggers:0:Broker", "missing", "Broker:Triggers:0:Broker")]
    [InlineData("--Broker:Triggers:0:Filter:Attributes:Bad_Name", "x", "Broker:Triggers:0:Filter:Attributes:Bad_Name")]
    public async Task Invalid_broker_configuration_fails_at_startup_naming_the_field(string option, string value, string field)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildAndStartAsync(["--players", "0", .. SettingsTrigger, option, value]));

        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public async Task A_trigger_parallelism_on_the_kafka_backend_is_refused_not_ignored()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildAndStartAsync(["--players", "0", "--backend", "kafka", "--kafka", $"127.0.0.1:{FreePorts.Take(1)[0]}", .. SettingsTrigger, "--Broker:Triggers:0:Parallelism", "4"]));

        Assert.Contains("Broker:Triggers:0:Parallelism: the Kafka backend's concurrency is the delivery order (kafka.eventing.knative.dev/delivery.order, Broker:Triggers:N:DeliveryOrder) with Broker:KafkaMaxInFlight (was 4); remove the setting", ex.Message);
    }

    [Theory]
    [InlineData("kafka", "--Broker:Triggers:0:DeliveryOrder", "random", "Broker:Triggers:0:DeliveryOrder: must be 'unordered' (the default) or 'ordered' (was 'random')")]
    [InlineData("embedded", "--Broker:Triggers:0:DeliveryOrder", "ordered", "Broker:Triggers:0:DeliveryOrder: only the Kafka backend has a delivery order (backend embedded)")]
    [InlineData("kafka", "--Broker:KafkaMaxInFlight", "0", "Broker:KafkaMaxInFlight: must be 1 to 10000 (was 0)")]
    public async Task A_kafka_delivery_setting_out_of_range_or_on_another_backend_is_refused(string backend, string option, string value, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildAndStartAsync(["--players", "0", "--backend", backend, "--kafka", $"127.0.0.1:{FreePorts.Take(1)[0]}", .. SettingsTrigger, option, value]));

        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData(new[] { "--backend", "rabbitmq", "--Broker:RabbitMQQueueType", "stream" }, "Broker:RabbitMQQueueType: 'stream' is not quorum or classic.")]
    [InlineData(new[] { "--backend", "rabbitmq", "--rabbitmq", "amqp://u:p@127.0.0.1:5672/,http://127.0.0.1:5673/" }, "Broker:RabbitMQ: 'http://127.0.0.1:5673/' is not an amqp:// URI.")]
    [InlineData(new[] { "--backend", "rabbitmq", "--rabbitmq", "amqp://u:p@127.0.0.1:5672/,amqp://other:p@127.0.0.1:5673/" }, "every node of a cluster needs the scheme, user and virtual host of the first ('amqp://…@127.0.0.1:5672/')")]
    [InlineData(new[] { "--backend", "rabbitmq", "--rabbitmq", "amqp://u:p@127.0.0.1:5672/,amqp://u:p@127.0.0.1:5672/" }, "a node is listed twice")]
    [InlineData(new[] { "--backend", "rabbitmq", "--Broker:Triggers:0:Name", "extra", "--Broker:Triggers:0:Namespace", "demo", "--Broker:Triggers:0:Subscriber", "inproc://leaderboard", "--Broker:Triggers:0:SingleActiveConsumer", "true", "--Broker:Triggers:0:Parallelism", "4" }, "Broker:Triggers:0:Parallelism: a single active consumer delivers in queue order only one event at a time (was 4)")]
    [InlineData(new[] { "--Broker:Triggers:0:Name", "extra", "--Broker:Triggers:0:Namespace", "demo", "--Broker:Triggers:0:Subscriber", "inproc://leaderboard", "--Broker:Triggers:0:SingleActiveConsumer", "true" }, "Broker:Triggers:0:SingleActiveConsumer: only the RabbitMQ backend has single active consumers (backend Embedded")]
    public async Task Invalid_scale_out_settings_fail_at_startup_naming_the_setting(string[] args, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => BuildAndStartAsync(["--players", "0", .. args]));

        Assert.StartsWith("Invalid broker configuration: ", ex.Message);
        Assert.Contains(message, ex.Message);
        Assert.DoesNotContain(":p@", ex.Message); // no password in a message that reaches logs
    }

    [Theory]
    [InlineData("--Broker:KafkaProperties:no.such.property", "1", "Broker:KafkaProperties: No such configuration property: \"no.such.property\"")]
    [InlineData("--Broker:KafkaConsumerProperties:session.timeout.ms", "soon", "Broker:KafkaConsumerProperties: Invalid value for configuration property \"session.timeout.ms\"")]
    [InlineData("--Broker:KafkaProducerProperties:linger.ms", "-5", "Broker:KafkaProducerProperties: Configuration property \"queue.buffering.max.ms\" value -5 is outside allowed range 0..900000")]
    [InlineData("--Broker:KafkaConsumerProperties:group.id", "mine", "Broker:KafkaConsumerProperties:group.id: the exporter sets this property itself (each trigger has its own group")]
    [InlineData("--Broker:KafkaProperties:enable.auto.commit", "true", "Broker:KafkaProperties:enable.auto.commit: the exporter sets this property itself")]
    [InlineData("--Broker:KafkaProducerProperties:acks", "1", "Broker:KafkaProducerProperties:acks: the exporter sets this property itself (the ingress answers 202 only after every in-sync replica")]
    [InlineData("--Broker:KafkaProperties:bootstrap.servers", "127.0.0.1:1", "Broker:KafkaProperties:bootstrap.servers: the exporter sets this property itself (set the servers with Broker:Kafka")]
    [InlineData("--Broker:KafkaProducerProperties:request.required.acks", "0", "Broker:KafkaProducerProperties:request.required.acks: the exporter sets this property itself (the ingress answers 202 only after every in-sync replica")]
    [InlineData("--Broker:KafkaConsumerProperties:fetch.wait.max.ms", " ", "Broker:KafkaConsumerProperties:fetch.wait.max.ms: a value is required.")]
    public async Task Refused_kafka_client_properties_fail_at_startup_naming_the_setting(string option, string value, string message)
    {
        // Nothing listens on the port: the properties are refused before any connection matters.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildAndStartAsync(["--players", "0", "--backend", "kafka", "--kafka", $"127.0.0.1:{FreePorts.Take(1)[0]}", option, value]));

        Assert.StartsWith("Invalid broker configuration: ", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public async Task Invalid_metric_options_fail_at_startup_naming_the_option()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildAndStartAsync(["--KnativeEventing:Metrics:MaxEventTypes", "-3"]));

        Assert.Contains("KnativeEventing:Metrics:MaxEventTypes", ex.Message);
    }

    [Fact]
    public async Task The_executable_serves_metrics_within_five_seconds_and_stops_cleanly_on_sigterm()
    {
        var exporterDll = ExporterBuildOutput.Dll;
        var started = Stopwatch.StartNew();
        await using var process = ChildProcess.Start(
            "dotnet",
            [exporterDll, "--ingress-url", "http://127.0.0.1:0", "--metrics-url", "http://127.0.0.1:0"],
            new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" });

        var banner = await process.WaitForLineAsync(MetricsBannerLine(), TimeSpan.FromSeconds(30));
        var startup = started.Elapsed;
        using var http = new HttpClient();
        var body = await http.GetStringAsync(banner.Groups["url"].Value);

        Assert.Contains("# TYPE target_info gauge", body);
        Assert.True(startup < TimeSpan.FromSeconds(5), $"startup took {startup.TotalSeconds:F2} s (limit 5 s). Output:\n{process.Output}");

        // The game runs by default: within 10 s of starting, the scrape shows its deliveries.
        var deliveries = await Poll.UntilAsync(
            async () => PrometheusText.Parse(await http.GetStringAsync(banner.Groups["url"].Value)).Sum("kn_eventing_deliveries_total"),
            d => d > 0,
            TimeSpan.FromSeconds(10) - started.Elapsed,
            TimeSpan.FromMilliseconds(200));

        Assert.True(deliveries > 0, $"no kn_eventing_deliveries_total within 10 s of starting. Output:\n{process.Output}");
        Assert.Equal(0, await process.StopAsync(TimeSpan.FromSeconds(15)));
    }

    /// <summary>
    /// Startup as the executable does it, on loopback ports the OS picks unless <paramref name="args"/> name a
    /// listener: a configuration error may surface while building or while starting.
    /// </summary>
    private static async Task BuildAndStartAsync(string[] args)
    {
        string[] listeners = [.. new[] { "--ingress-url", "--metrics-url" }.Where(s => !args.Contains(s)).SelectMany(s => new[] { s, "http://127.0.0.1:0" })];
        var app = ExporterHost.Build([.. listeners, .. args]);
        await using (app)
        {
            await app.StartAsync();
            await app.StopAsync();
        }
    }

    [GeneratedRegex(@"metrics \(Prometheus\): (?<url>http://\S+)")]
    private static partial Regex MetricsBannerLine();
}
