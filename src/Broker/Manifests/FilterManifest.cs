using Knative.Eventing.Metrics.CloudEvents;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Filtering.Cesql;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A Trigger's <c>spec.filter</c> and <c>spec.filters</c>, validated as Knative's webhook does
/// (knative/eventing pkg/apis/eventing/v1/trigger_validation.go): attribute names, one dialect per filter, a
/// CESQL expression that parses. A filter Knative's broker cannot build at runtime (an exact, prefix or suffix
/// filter with an empty value: pkg/eventfilter/subscriptionsapi/create.go:26-50, exact_filter.go:38-43) is skipped
/// as the broker skips it (create.go:72-80: left out of its list; a <c>not</c> of it is no filter), with a warning.
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

    /// <summary><c>spec.filters</c>: every filter must pass; null when the list is absent or empty (Knative then applies
    /// <c>spec.filter</c>).</summary>
    public static ITriggerFilter? List(ManifestNode spec, string field) =>
        spec.Sequence(field) is { Count: > 0 } filters ? AllOf(filters) : null;

    private static CombinedFilter AllOf(IEnumerable<ManifestNode> filters) =>
        CombinedFilter.All([.. filters.Select(Dialect).OfType<ITriggerFilter>()]);

    private static CombinedFilter AnyOf(IEnumerable<ManifestNode> filters) =>
        CombinedFilter.Any([.. filters.Select(Dialect).OfType<ITriggerFilter>()]);

    /// <summary>One filter of a list; null for one Knative's broker skips.</summary>
    private static ITriggerFilter? Dialect(ManifestNode filter)
    {
        var present = Dialects.Where(filter.Has).ToList();
        if (filter.Keys().FirstOrDefault(k => !Dialects.Contains(k)) is { } unknown)
        {
            throw filter.Error(unknown, $"is not a filter dialect (exact, prefix, suffix, all, any, not, cesql)");
        }

        if (present.Count != 1)
        {
            throw filter.Error(
                string.Empty,
                present.Count == 0 ? "needs one dialect: exact, prefix, suffix, all, any, not or cesql" : $"has {string.Join(" and ", present)}: a " +
                    $"filter has exactly one dialect");
        }

        var dialect = present[0];
        ITriggerFilter? result = dialect switch
        {
            "exact" => Match(filter, dialect, AttributeMatch.Exact),
            "prefix" => Match(filter, dialect, AttributeMatch.Prefix),
            "suffix" => Match(filter, dialect, AttributeMatch.Suffix),
            "all" => AllOf(filter.Sequence(dialect) ?? []),
            "any" => AnyOf(filter.Sequence(dialect) ?? []),
            // not_filter.go:38-41: the not of a skipped filter says nothing.
            "not" => new NotFilter(Dialect(filter.Mapping(dialect)!) ?? CombinedFilter.All([])),
            _ => Cesql(filter, dialect),
        };
        filter.RejectUnknown(string.Join(", ", Dialects));
        return result;
    }

    private static AttributeMatchFilter? Match(ManifestNode filter, string dialect, AttributeMatch match)
    {
        var attributes = filter.StringMap(dialect)!;
        CheckNames(filter, dialect, attributes);
        if (attributes.FirstOrDefault(a => a.Value.Length == 0) is { Key: { } empty })
        {
            filter.Warn(
                $"{dialect}.{empty}",
                $"is empty: the whole {dialect} filter is skipped, as Knative's broker skips it (use spec.filter.attributes for \"any value\")");
            return null;
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
