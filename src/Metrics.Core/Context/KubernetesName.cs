namespace Knative.Eventing.Metrics;

/// <summary>Validation of the resource names that become attribute values.</summary>
internal static class KubernetesName
{
    /// <summary>Kubernetes' limit for a DNS subdomain name; also bounds the attribute value.</summary>
    public const int MaxLength = 253;

    public static string Validate(string? value, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, parameterName);
        if (value.Length > MaxLength)
        {
            throw new ArgumentException(
                $"'{parameterName}' is {value.Length} characters long; Kubernetes names have at most {MaxLength}.",
                parameterName);
        }

        return value;
    }
}
