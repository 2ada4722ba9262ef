using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Listening;

/// <summary>Validates the listener settings before anything listens (registered with <c>ValidateOnStart</c>).</summary>
internal sealed class ExporterOptionsValidator : IValidateOptions<ExporterOptions>
{
    public ValidateOptionsResult Validate(string? name, ExporterOptions options)
    {
        try
        {
            ListenerSettings.Validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
