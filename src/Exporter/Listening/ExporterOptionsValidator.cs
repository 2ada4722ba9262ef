using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Listening;

/// <summary>Validates the listener settings before anything listens (registered with <c>ValidateOnStart</c>).</summary>
internal sealed class ExporterOptionsValidator : IValidateOptions<ExporterOptions>
{
    /// <summary>The most traces the live view may keep (at most 64 spans each: about 3 GiB at worst).</summary>
    public const int MaxTrailCapacity = 100_000;

    public ValidateOptionsResult Validate(string? name, ExporterOptions options)
    {
        try
        {
            ListenerSettings.Validate(options);
            if (options.TrailCapacity is < 0 or > MaxTrailCapacity)
            {
                return ValidateOptionsResult.Fail(
                    $"Exporter:TrailCapacity is {options.TrailCapacity}; it must be from 0 (keep no trails) to {MaxTrailCapacity}.");
            }

            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
