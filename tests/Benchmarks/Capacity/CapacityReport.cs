using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ScottPlot;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// Writes <c>capacity.md</c> (sustained rates, exporter / floor ratios, the machine, every step) and one plot per
/// backend, <c>capacity-{backend}.png</c>: p99 latency against offered rate for each workload, floor dashed.
/// </summary>
internal static class CapacityReport
{
    public const string FileName = "capacity.md";

    public static void Write(string folder, IReadOnlyList<CapacityResult> results, CapacitySettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine()}; {Environment.ProcessorCount} cores shared by the load generator, the target and its broker.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Sustained = {settings.Hold.TotalSeconds:0} s at the rate, open loop, {settings.Concurrency} in flight, every event accepted (no 503), p99 ≤ {settings.P99BoundMs:0} ms from when each was due, all deliveries done within {settings.DrainBound.TotalSeconds:0.#} s after the load stops.");
        text.AppendLine();
        text.AppendLine("| backend | workload | floor | floor events/s (p99 ms) | floor CPU µs/event | exporter events/s (p99 ms) | exporter / floor | exporter CPU µs/event |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var group in results.Where(r => !IsNeighbourRun(r)).GroupBy(r => (r.Backend, r.Workload)))
        {
            // One row per floor: Kafka has two (the raw client alone, and behind an HTTP endpoint in its own process).
            List<CapacityResult?> floors = [.. group.Where(r => r.Role.StartsWith("floor: ", StringComparison.Ordinal))];
            foreach (var floor in floors.Count == 0 ? [null] : floors)
            {
                foreach (var exporter in group.Where(r => r.Role.StartsWith("exporter", StringComparison.Ordinal)))
                {
                    // "exporter" is the default run; "exporter (tracing off)" and the like are variants of it, each on its own row.
                    var variant = exporter.Role == "exporter" ? string.Empty : exporter.Role["exporter".Length..];
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"| {group.Key.Backend} | {group.Key.Workload}{variant} | {floor?.Role["floor: ".Length..]} | {Rate(floor)} | {Cpu(floor)} | {Rate(exporter)} | {Ratio(exporter, floor)} | {Cpu(exporter)} |");
                }
            }
        }

        var neighbours = results.Where(IsNeighbourRun).GroupBy(r => r.Backend).ToList();
        if (neighbours.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("A slow trigger beside the others: the five game triggers' capacity (one-dispatch events) with a sixth trigger for the same events whose subscriber answers at once, and one that answers after 50 ms:");
            text.AppendLine();
            text.AppendLine("| backend | beside an instant neighbour, events/s (p99 ms) | beside a 50 ms neighbour | slow / instant |");
            text.AppendLine("|---|---:|---:|---:|");
            foreach (var backend in neighbours)
            {
                var fast = backend.FirstOrDefault(r => r.Workload == Workload.FastNeighbour.Name);
                var slow = backend.FirstOrDefault(r => r.Workload == Workload.SlowNeighbour.Name);
                text.AppendLine(CultureInfo.InvariantCulture, $"| {backend.Key} | {Rate(fast)} | {Rate(slow)} | {Ratio(slow, fast)} |");
            }
        }

        text.AppendLine();
        text.AppendLine("Every step (offered rate, verdict):");
        text.AppendLine();
        foreach (var result in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {result.Backend} / {result.Workload} / {result.Role}:");
            foreach (var step in result.Steps)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  - {step}{(step.Verdict(settings) is { } why ? " — " + why : string.Empty)}");
            }
        }

        File.WriteAllText(Path.Combine(folder, FileName), text.ToString());
        foreach (var backend in results.GroupBy(r => r.Backend))
        {
            Plot(Path.Combine(folder, $"capacity-{backend.Key}.png"), backend.Key, [.. backend], settings);
        }
    }

    private static bool IsNeighbourRun(CapacityResult result) => result.Workload == Workload.FastNeighbour.Name || result.Workload == Workload.SlowNeighbour.Name;

    private static string Ratio(CapacityResult? result, CapacityResult? baseline) =>
        result is not null && baseline is { Rate: > 0 } ? (result.Rate / baseline.Rate).ToString("F2", CultureInfo.InvariantCulture) : "–";

    private static string Cpu(CapacityResult? result) =>
        result?.Held is { TargetCpuUsPerEvent: var cpu } && !double.IsNaN(cpu) ? cpu.ToString("F0", CultureInfo.InvariantCulture) : "–";

    private static string Rate(CapacityResult? result) =>
        result is null ? "–" : result.Held is { } held ? string.Create(CultureInfo.InvariantCulture, $"{held.OfferedRate:N0} ({held.P99Ms:F1})") : "none held";

    private static void Plot(string path, string backend, IReadOnlyList<CapacityResult> results, CapacitySettings settings)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var ceiling = settings.P99BoundMs * 4;
        foreach (var (workload, index) in results.Select(r => r.Workload).Distinct().Select((w, i) => (w, i)))
        {
            foreach (var result in results.Where(r => r.Workload == workload))
            {
                var steps = result.Steps.OrderBy(s => s.OfferedRate).ToList();
                var scatter = plot.Add.Scatter(
                    steps.Select(s => s.OfferedRate).ToArray(),
                    steps.Select(s => Math.Min(double.IsNaN(s.P99Ms) ? ceiling : s.P99Ms, ceiling)).ToArray());
                scatter.Color = palette.GetColor(index);
                scatter.LineWidth = 2;
                scatter.MarkerSize = 6;
                // The exporter solid, a floor dashed; the floor behind HTTP (Kafka's second) densely dashed.
                scatter.LinePattern = result.Role == "exporter" ? LinePattern.Solid
                    : result.Role.Contains(" + ", StringComparison.Ordinal) ? LinePattern.DenselyDashed : LinePattern.Dashed;
                scatter.LegendText = $"{workload}: {(result.Role == "exporter" ? "exporter" : result.Role)}";
            }
        }

        var bound = plot.Add.HorizontalLine(settings.P99BoundMs);
        bound.LinePattern = LinePattern.Dotted;
        bound.Color = Colors.Gray;
        bound.LegendText = $"p99 bound {settings.P99BoundMs:0} ms";
        plot.Title($"{backend}: p99 latency against offered rate ({settings.Concurrency} in flight, open loop)");
        plot.XLabel("offered events/s");
        plot.YLabel($"p99 latency, ms (capped at {ceiling:0})");
        plot.Axes.SetLimitsY(0, ceiling * 1.05);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 560);
    }

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }
}
