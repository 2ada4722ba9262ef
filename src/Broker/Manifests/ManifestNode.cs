using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A mapping of a manifest, read field by field: every getter records the field as understood, and
/// <see cref="RejectUnknown"/> refuses whatever was not, so nothing in a manifest is silently ignored.
/// Errors name the document (<paramref name="where"/>) and the field's path (<c>spec.delivery.retry</c>).
/// </summary>
internal sealed class ManifestNode(YamlMappingNode node, string where, string path, List<string> warnings)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>The document, as errors name it; refined once its kind and name are known.</summary>
    public string Where { get; set; } = where;

    public string Path { get; } = path;

    /// <summary>What the reading noted as ignored (as Knative ignores it), shared by every node of a load.</summary>
    public List<string> Warnings { get; } = warnings;

    /// <summary>Notes a field that is read but ignored, as Knative ignores it: one line naming the document and field.</summary>
    public void Warn(string key, string problem) => Warnings.Add($"{Where}: {Field(key)}: {problem}");

    public bool Has(string key) => node.Children.ContainsKey(new YamlScalarNode(key));

    public ManifestException Error(string key, string problem) => new($"{Where}: {Field(key)}: {problem}");

    public string Field(string key) => Path.Length == 0 ? key : key.Length == 0 ? Path : $"{Path}.{key}";

    public string? String(string key)
    {
        if (Get(key) is not { } value)
        {
            return null;
        }

        return value is YamlScalarNode scalar ? scalar.Value ?? string.Empty : throw Error(key, "must be a string");
    }

    public string RequiredString(string key) =>
        String(key) is { Length: > 0 } value ? value : throw Error(key, "is required");

    public int? Integer(string key, int min, int max)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(key, $"must be a whole number from {min} to {max} (was '{text}')");
    }

    public ManifestNode? Mapping(string key)
    {
        if (Get(key) is not { } value)
        {
            return null;
        }

        return value is YamlMappingNode mapping ? new ManifestNode(mapping, Where, Field(key), Warnings) : throw Error(key, "must be a mapping");
    }

    public IReadOnlyList<ManifestNode>? Sequence(string key)
    {
        if (Get(key) is not { } value)
        {
            return null;
        }

        if (value is not YamlSequenceNode sequence)
        {
            throw Error(key, "must be a list");
        }

        return [.. sequence.Children.Select((item, i) => item is YamlMappingNode mapping
            ? new ManifestNode(mapping, Where, $"{Field(key)}[{i}]", Warnings)
            : throw new ManifestException($"{Where}: {Field(key)}[{i}]: must be a mapping"))];
    }

    /// <summary>A list of strings (a label requirement's values).</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        if (Get(key) is not { } value)
        {
            return null;
        }

        if (value is not YamlSequenceNode sequence)
        {
            throw Error(key, "must be a list");
        }

        return [.. sequence.Children.Select((item, i) => item is YamlScalarNode scalar
            ? scalar.Value ?? string.Empty
            : throw new ManifestException($"{Where}: {Field(key)}[{i}]: must be a string"))];
    }

    /// <summary>A mapping of strings to strings (labels, annotations, attribute filters).</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string key)
    {
        if (Mapping(key) is not { } map)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in map.Keys())
        {
            result[name] = map.String(name) ?? string.Empty;
        }

        return result;
    }

    public IEnumerable<string> Keys() => node.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? string.Empty);

    /// <summary>Refuses every field no getter asked for.</summary>
    public void RejectUnknown(string supported)
    {
        foreach (var key in Keys().Where(k => !_read.Contains(k)))
        {
            throw Error(key, $"is not supported by the exporter (supported here: {supported})");
        }
    }

    private YamlNode? Get(string key)
    {
        _read.Add(key);
        if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return null;
        }

        // A plain null, ~ or nothing at all is YAML's null: the field is not set.
        return value is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" } ? null : value;
    }
}
