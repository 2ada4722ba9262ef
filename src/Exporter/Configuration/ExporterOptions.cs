namespace Knative.Eventing.Metrics.Exporter.Configuration;

/// <summary>Where the exporter listens (section <c>Exporter</c>).</summary>
internal sealed class ExporterOptions
{
    public const string SectionName = "Exporter";

    /// <summary>
    /// The ingress, status page and health listener (Knative's ingress port 8080 by default), on loopback unless set: the
    /// ingress takes events from anyone who reaches it, so reaching it from the network is a choice (deploy/kubernetes makes it).
    /// </summary>
    public string IngressUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The Prometheus scrape listener (OpenTelemetry's Prometheus port 9464 by default), kept apart from traffic.</summary>
    public string MetricsUrl { get; set; } = "http://127.0.0.1:9464";

    /// <summary>
    /// A PEM certificate (chain) for the ingress (<c>--tls-cert</c>); with <see cref="TlsKey"/>, the ingress listener serves HTTPS
    /// (TLS 1.2 and 1.3) and reads both files again when they change. Unset: plain http.
    /// </summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificate"/> (<c>--tls-key</c>).</summary>
    public string? TlsKey { get; set; }

    /// <summary>Whether the ingress serves HTTPS.</summary>
    public bool Tls => !string.IsNullOrWhiteSpace(TlsCertificate) || !string.IsNullOrWhiteSpace(TlsKey);

    /// <summary>The scrape path on the metrics listener.</summary>
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>When set, a scrape must send <c>Authorization: Bearer {token}</c>; others get 401. Unset: open (bind the metrics URL to a private
    /// address instead, or use a NetworkPolicy).</summary>
    public string? MetricsBearerToken { get; set; }

    /// <summary>How long a scrape response may be reused; 0 makes every scrape fresh.</summary>
    public int ScrapeCacheMilliseconds { get; set; }

    /// <summary>Open connections the exporter keeps at most (both listeners); further connections are closed at once. Bounds what slow or idle
    /// clients can hold.</summary>
    public long MaxConnections { get; set; } = 10_000;

    /// <summary>How long a client may take to send a request's headers (ISO-8601) before the connection is closed: slow clients (slowloris) cannot
    /// hold connections open.</summary>
    public string RequestHeadersTimeout { get; set; } = "PT10S";

    /// <summary>How long an idle keep-alive connection stays open (ISO-8601).</summary>
    public string KeepAliveTimeout { get; set; } = "PT2M";

    /// <summary>The slowest request body a client may send (bytes per second, after a 5 s grace); slower uploads are aborted.</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>
    /// Whether the exporter makes spans (docs/tracing.md): on by default, for exemplars and the live view's event trails; off
    /// (<c>--Exporter:Tracing false</c>) no span, no exemplar and no trail, and the sender's trace context is passed on unchanged.
    /// </summary>
    public bool Tracing { get; set; } = true;

    /// <summary>
    /// How many recent traces the live view keeps for "where did my event go" (each at most 64 spans; 0 keeps none). Bounded
    /// memory: about 0.5 KiB a span, so the default 1,000 traces of a typical 8 spans hold about 4 MiB, at most 32 MiB.
    /// </summary>
    public int TrailCapacity { get; set; } = Live.Trails.EventTrails.DefaultCapacity;
}
