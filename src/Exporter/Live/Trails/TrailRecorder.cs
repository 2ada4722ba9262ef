using System.Diagnostics;
using OpenTelemetry;

namespace Knative.Eventing.Metrics.Exporter.Live.Trails;

/// <summary>An OpenTelemetry processor that hands every ended span to <see cref="EventTrails"/> (no export, no I/O).</summary>
internal sealed class TrailRecorder(EventTrails trails) : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data) => trails.Add(data);
}
