namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// Finds the highest rate a target sustains: probes from <see cref="CapacitySettings.StartRate"/> up by
/// <see cref="CapacitySettings.Growth"/> until a probe fails, bisects between the last sustained and the
/// first failed rate, then holds the best rate for <see cref="CapacitySettings.Hold"/> (stepping down 10 %
/// until a hold passes). Every step is kept, for the plot of latency against offered rate.
/// </summary>
internal static class CapacitySearch
{
    private static bool Stopped => CapacityCommand.Stopping.IsCancellationRequested;

    public static async Task<CapacityResult> RunAsync(string backend, string workload, string role, ICapacityTarget target, CapacitySettings settings, TextWriter log)
    {
        var steps = new List<StepResult>();
        // Warm-up: connections, JIT, thread pool, queues declared and consumers assigned; not reported.
        var warmup = await StepAsync(settings.StartRate / 2, TimeSpan.FromSeconds(3), record: false);
        if (warmup.Settled is null)
        {
            // A consumer group that joins late (Kafka) settles later: give it one more chance.
            warmup = warmup with { Settled = await target.SettleAsync(TimeSpan.FromSeconds(30)) };
        }

        log.WriteLine($"  warm-up {warmup}");
        double sustained = 0, failed = double.PositiveInfinity;
        for (var rate = settings.StartRate; rate <= settings.MaxRate && !Stopped; rate *= settings.Growth)
        {
            if ((await StepAsync(rate, settings.Probe)).Sustained(settings))
            {
                sustained = rate;
            }
            else
            {
                failed = rate;
                break;
            }
        }

        // The first rate already failed (a heavy workload): step down until one holds, as far as MinRate.
        for (var rate = Math.Round(settings.StartRate / settings.Growth); sustained == 0 && rate >= settings.MinRate && !Stopped; rate = Math.Round(rate / settings.Growth))
        {
            if ((await StepAsync(rate, settings.Probe)).Sustained(settings))
            {
                sustained = rate;
            }
            else
            {
                failed = rate;
            }
        }

        for (var i = 0; i < settings.Refinements && sustained > 0 && !double.IsInfinity(failed) && !Stopped; i++)
        {
            var rate = Math.Round(Math.Sqrt(sustained * failed));
            if ((await StepAsync(rate, settings.Probe)).Sustained(settings))
            {
                sustained = rate;
            }
            else
            {
                failed = rate;
            }
        }

        StepResult? held = null;
        for (var rate = sustained; rate >= settings.MinRate && held is null && !Stopped; rate = Math.Round(rate * 0.9))
        {
            var hold = await StepAsync(rate, settings.Hold);
            if (hold.Sustained(settings))
            {
                held = hold;
            }
        }

        return new CapacityResult(backend, workload, role, held, steps);

        async Task<StepResult> StepAsync(double rate, TimeSpan duration, bool record = true)
        {
            var step = await OpenLoopStep.RunAsync(target, rate, duration, settings);
            step = step with { Settled = await target.SettleAsync(TimeSpan.FromSeconds(Math.Max(settings.DrainBound.TotalSeconds * 2, 2))) };
            if ((step.Settled is null || step.Settled > settings.DrainBound) && !Stopped)
            {
                // Let the target finish what it holds before the next step, so steps do not carry over.
                _ = await target.SettleAsync(TimeSpan.FromSeconds(120));
            }

            if (record)
            {
                steps.Add(step);
                log.WriteLine($"  {step}{(step.Verdict(settings) is { } why ? " ✗ " + why : " ✓")}");
            }

            return step;
        }
    }
}

/// <summary>A target's capacity: the held step (null: not even the lowest rate held) and every step taken.</summary>
internal sealed record CapacityResult(string Backend, string Workload, string Role, StepResult? Held, IReadOnlyList<StepResult> Steps)
{
    /// <summary>The sustained rate (events/s), 0 when nothing held.</summary>
    public double Rate => Held?.OfferedRate ?? 0;
}
