using Knative.Eventing.Metrics.CloudEvents;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Filtering.Cesql;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A Trigger's <c>spec.filter</c> and <c>spec.filters</c>, validated as Knative's webhook does
/// (knative/eventing pkg/apis/eventing/v1/trigger_validation.go): attribute names, one dialect per filter, a
/// CESQL expression that parses. Where Knative's broker would skip a filter it cannot build at runtime
/// (pkg/eventfilter/subscriptionsapi/create.go: an empty exact, prefix or suffix value), the exporter refuses it.
/// </summary>
internal static class FilterManifest
{
    private static readonly string[] Dialects = ["exact", "prefix", "suffix", "all", "any", "not", "cesql"];

    /// <summary><c>spec.filter.attributes</c>: exact match, an empty value meaning "any value".</summary>
    public static ITriggerFilter Attributes(ManifestNode filter)
    {
        var attributes = filter.StringMap("attributes") ?? new Dictionary<string, string>();
        filter.RejectUnknown("attributes");
        CheckNames(filter, "attributes", attributes);
        return new AttributesFilter(attributes);
    }

    /// <summary><c>spec.filters</c>: every filter must pass.</summary>
    public static ITriggerFilter List(ManifestNode spec, string field) =>
        CombinedFilter.All([.. (spec.Sequence(field) ?? []).Select(Dialect)]);

    private static ITriggerFilter Dialect(ManifestNode filter)
    {
        var present = Dialects.Where(filter.Has).ToList();
        if (filter.Keys().FirstOrDefault(k => !Dialects.Contains(k)) is { } unknown)
        {
            throw filter.Error(unknown, $"is not a filter dialect (exact, prefix, suffix, all, any, not, cesql)");
        }

        if (present.Count != 1)
        {
            throw filter.Error(string.Empty, present.Count == 0 ? "needs one dialect: exact, prefix, suffix, all, any, not or cesql" : $"has {string.Join(" and ", present)}: a filter has exactly one dialect");
        }

        var dialect = present[0];
        ITriggerFilter result = dialect switch
        {
            "exact" => Match(filter, dialect, AttributeMatch.Exact),
            "prefix" => Match(filter, dialect, AttributeMatch.Prefix),
            "suffix" => Match(filter, dialect, AttributeMatch.Suffix),
            "all" => CombinedFilter.All([.. (filter.Sequence(dialect) ?? []).Select(Dialect)]),
            "any" => CombinedFilter.Any([.. (filter.Sequence(dialect) ?? []).Select(Dialect)]),
            "not" => new NotFilter(Dialect(filter.Mapping(dialect)!)),
            _ => Cesql(filter, dialect),
        };
        filter.RejectUnknown(string.Join(", ", Dialects));
        return result;
    }

    private static AttributeMatchFilter Match(ManifestNode filter, string dialect, AttributeMatch match)
    {
        var attributes = filter.StringMap(dialect)!;
        CheckNames(filter, dialect, attributes);
        foreach (var (name, value) in attributes)
        {
            if (value.Length == 0)
            {
                throw filter.Error($"{dialect}.{name}", $"is empty: Knative's broker skips such a {dialect} filter (it matches everything); remove it, or use spec.filter.attributes for \"any value\"");
            }
        }

        return new AttributeMatchFilter(match, attributes);
    }

    private static CesqlFilter Cesql(ManifestNode filter, string dialect)
    {
        var text = filter.RequiredString(dialect);
        CesqlExpression expression;
        try
        {
            expression = CesqlExpression.Parse(text);
        }
        catch (CesqlParseException ex)
        {
            throw filter.Error(dialect, ex.Message);
        }

        if (expression.MissingFunctions.Count > 0)
        {
            throw filter.Error(dialect, $"CESQL has no function {string.Join(", ", expression.MissingFunctions)}: no event could pass");
        }

        return new CesqlFilter(expression);
    }

    private static void CheckNames(ManifestNode filter, string field, IReadOnlyDictionary<string, string> attributes)
    {
        foreach (var name in attributes.Keys.Where(n => !CloudEventValidator.IsValidAttributeName(n)))
        {
            throw filter.Error($"{field}.{name}", "is not a CloudEvents attribute name (lower-case letters and digits)");
        }
    }
}
