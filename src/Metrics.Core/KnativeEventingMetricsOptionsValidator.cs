using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics;

/// <summary>Validates <see cref="KnativeEventingMetricsOptions"/>; each failure names the option.</summary>
internal sealed class KnativeEventingMetricsOptionsValidator : IValidateOptions<KnativeEventingMetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, KnativeEventingMetricsOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid.</summary>
    public static void ThrowIfInvalid(KnativeEventingMetricsOptions options)
    {
        var failures = Check(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(KnativeEventingMetricsOptions), failures);
        }
    }

    private static List<string> Check(KnativeEventingMetricsOptions o)
    {
        var failures = new List<string>();
        const string prefix = KnativeEventingMetricsOptions.SectionName + ":";
        if (o.MaxEventTypes < 0)
        {
            failures.Add($"{prefix}{nameof(o.MaxEventTypes)} must be 0 or more (was {o.MaxEventTypes}).");
        }

        if (o.MaxEventSources < 0)
        {
            failures.Add($"{prefix}{nameof(o.MaxEventSources)} must be 0 or more (was {o.MaxEventSources}).");
        }

        if (o.MaxAttributeValueLength <= 0)
        {
            failures.Add($"{prefix}{nameof(o.MaxAttributeValueLength)} must be positive (was {o.MaxAttributeValueLength}).");
        }

        if (o.BacklogRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}{nameof(o.BacklogRefreshInterval)} must be positive (was {o.BacklogRefreshInterval}).");
        }

        if (o.BacklogProbeTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}{nameof(o.BacklogProbeTimeout)} must be positive (was {o.BacklogProbeTimeout}).");
        }

        if (o.BrokerClass is { Length: > 253 })
        {
            failures.Add($"{prefix}{nameof(o.BrokerClass)} must be at most 253 characters.");
        }

        return failures;
    }
}
