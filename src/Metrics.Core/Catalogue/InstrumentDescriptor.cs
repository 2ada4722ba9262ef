namespace Knative.Eventing.Metrics;

/// <summary>One instrument of the contract: what it is called, measures and carries.</summary>
/// <param name="Name">The OpenTelemetry instrument name, e.g. <c>kn.eventing.dispatch.duration</c>.</param>
/// <param name="Kind">The instrument kind.</param>
/// <param name="Unit">The UCUM unit, e.g. <c>s</c> or <c>{event}</c>.</param>
/// <param name="Description">The help text (also the Prometheus <c># HELP</c> line).</param>
/// <param name="Attributes">The attribute keys a measurement may carry, in recording order.</param>
/// <param name="OptInAttributes">Attribute keys that are off by default and added only when enabled.</param>
public sealed record InstrumentDescriptor(
    string Name,
    InstrumentKind Kind,
    string Unit,
    string Description,
    IReadOnlyList<string> Attributes,
    IReadOnlyList<string> OptInAttributes)
{
    /// <summary>
    /// The Prometheus series name that the OpenTelemetry Prometheus exporter derives from
    /// <see cref="Name"/> and <see cref="Unit"/> (dots become underscores, the unit is appended,
    /// counters get <c>_total</c>; histograms then expose <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).
    /// </summary>
    internal string PrometheusName
    {
        get
        {
            var name = Name.Replace('.', '_');
            var unitSuffix = Unit switch
            {
                "s" => "_seconds",
                _ => string.Empty, // annotations such as {event} add no suffix
            };
            if (unitSuffix.Length > 0 && !name.EndsWith(unitSuffix, StringComparison.Ordinal))
            {
                name += unitSuffix;
            }

            return Kind == InstrumentKind.Counter ? name + "_total" : name;
        }
    }
}
