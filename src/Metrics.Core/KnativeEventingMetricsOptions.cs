namespace Knative.Eventing.Metrics;

/// <summary>
/// Options of <see cref="KnativeEventingMetrics"/>, bound from the configuration section
/// <see cref="SectionName"/> by <c>AddKnativeEventingMetrics</c>.
/// </summary>
public sealed class KnativeEventingMetricsOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "KnativeEventing:Metrics";

    /// <summary>
    /// The broker class (Knative's broker-class annotation value: <c>RabbitMQBroker</c>, <c>Kafka</c>,
    /// <c>Embedded</c>, …), published as the meter tag <c>kn.broker.class</c>. Optional.
    /// </summary>
    public string? BrokerClass { get; set; }

    /// <summary>
    /// How many distinct <c>cloudevents.type</c> values the process keeps; later ones are recorded as
    /// <c>_other</c>. Default 50. Ignored when <see cref="AllowedEventTypes"/> is not empty.
    /// </summary>
    public int MaxEventTypes { get; set; } = 50;

    /// <summary>When not empty, exactly these event types are recorded; every other one is <c>_other</c>.</summary>
    public IList<string> AllowedEventTypes { get; } = new List<string>();

    /// <summary>Whether <c>cloudevents.source</c> is recorded (off by default; see docs/metrics.md for where it applies).</summary>
    public bool RecordEventSource { get; set; }

    /// <summary>How many distinct <c>cloudevents.source</c> values the process keeps when recorded. Default 50.</summary>
    public int MaxEventSources { get; set; } = 50;

    /// <summary>The longest <c>cloudevents.type</c> or <c>cloudevents.source</c> value kept; longer ones are <c>_other</c>. Default 256.</summary>
    public int MaxAttributeValueLength { get; set; } = 256;

    /// <summary>How often the background refresher reads every registered backlog source. Default 10 s.</summary>
    public TimeSpan BacklogRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one backlog read may take before it counts as failed. Default 5 s.</summary>
    public TimeSpan BacklogProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
