using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Filtering.Cesql;

namespace Knative.Eventing.Metrics.Broker.Tests.Filtering;

/// <summary>
/// Knative's filter semantics, case by case against knative/eventing (8cf4c4b6): pkg/eventfilter/attributes/filter.go
/// for spec.filter.attributes, pkg/eventfilter/subscriptionsapi/*_filter.go for the spec.filters dialects.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TriggerFilterSemanticsTests
{
    private static CloudEvent Event(string? subject = null, string? extension = null)
    {
        var cloudEvent = new CloudEvent
        {
            Id = "1",
            Source = new Uri("/game/level/3", UriKind.Relative),
            Type = "dev.knative.game.score",
            Subject = subject,
        };
        if (extension is not null)
        {
            cloudEvent["player"] = extension;
        }

        return cloudEvent;
    }

    private static Dictionary<string, string> Map(string key, string value) => new() { [key] = value };

    [Fact]
    public void Attributes_match_exactly_and_an_empty_value_means_any_value_that_is_set()
    {
        Assert.Equal(FilterResult.Pass, new AttributesFilter(Map("type", "dev.knative.game.score")).Evaluate(Event()));
        Assert.Equal(FilterResult.Fail, new AttributesFilter(Map("type", "dev.knative.game.start")).Evaluate(Event()));
        Assert.Equal(FilterResult.Pass, new AttributesFilter(Map("player", string.Empty)).Evaluate(Event(extension: "ada")));
        Assert.Equal(FilterResult.Fail, new AttributesFilter(Map("player", string.Empty)).Evaluate(Event())); // extension missing
        Assert.Equal(FilterResult.Fail, new AttributesFilter(Map("subject", string.Empty)).Evaluate(Event())); // context attribute unset: ""
        Assert.Equal(FilterResult.Pass, new AttributesFilter(Map("subject", string.Empty)).Evaluate(Event(subject: "s")));
        Assert.Equal(FilterResult.NoFilter, new AttributesFilter(new Dictionary<string, string>()).Evaluate(Event()));
    }

    [Fact]
    public void Exact_prefix_and_suffix_need_the_attribute_and_compare_its_canonical_string()
    {
        Assert.Equal(FilterResult.Pass, new AttributeMatchFilter(AttributeMatch.Exact, Map("source", "/game/level/3")).Evaluate(Event()));
        Assert.Equal(FilterResult.Pass, new AttributeMatchFilter(AttributeMatch.Prefix, Map("source", "/game/level/")).Evaluate(Event()));
        Assert.Equal(FilterResult.Pass, new AttributeMatchFilter(AttributeMatch.Suffix, Map("type", ".score")).Evaluate(Event()));
        Assert.Equal(FilterResult.Fail, new AttributeMatchFilter(AttributeMatch.Suffix, Map("type", ".start")).Evaluate(Event()));
        Assert.Equal(FilterResult.Fail, new AttributeMatchFilter(AttributeMatch.Prefix, Map("player", "a")).Evaluate(Event()));
        Assert.Equal(FilterResult.Pass, new AttributeMatchFilter(AttributeMatch.Exact, Map("specversion", "1.0")).Evaluate(Event()));
    }

    [Fact]
    public void All_any_and_not_combine_three_valued_verdicts_as_knative_does()
    {
        var pass = new AttributeMatchFilter(AttributeMatch.Exact, Map("type", "dev.knative.game.score"));
        var fail = new AttributeMatchFilter(AttributeMatch.Exact, Map("type", "other"));
        var none = CombinedFilter.All([]);

        Assert.Equal(FilterResult.Fail, CombinedFilter.All([pass, fail]).Evaluate(Event()));
        Assert.Equal(FilterResult.Pass, CombinedFilter.All([none, pass]).Evaluate(Event()));
        Assert.Equal(FilterResult.NoFilter, CombinedFilter.All([pass, none]).Evaluate(Event())); // the last verdict, as all_filter.go returns it
        Assert.Equal(FilterResult.Pass, CombinedFilter.Any([fail, pass]).Evaluate(Event()));
        Assert.Equal(FilterResult.Fail, CombinedFilter.Any([fail, fail]).Evaluate(Event()));
        Assert.Equal(FilterResult.Fail, new NotFilter(pass).Evaluate(Event()));
        Assert.Equal(FilterResult.Pass, new NotFilter(fail).Evaluate(Event()));
        Assert.Equal(FilterResult.NoFilter, new NotFilter(none).Evaluate(Event()));
        Assert.True(CombinedFilter.All([pass, none]).Matches(Event())); // only Fail drops an event
    }

    [Fact]
    public void A_cesql_filter_passes_only_on_true_without_errors()
    {
        Assert.Equal(FilterResult.Pass, new CesqlFilter(CesqlExpression.Parse("type LIKE '%.score' AND source LIKE '/game/level/%'")).Evaluate(Event()));
        Assert.Equal(FilterResult.Fail, new CesqlFilter(CesqlExpression.Parse("player = 'ada'")).Evaluate(Event())); // missing attribute
        Assert.Equal(FilterResult.Pass, new CesqlFilter(CesqlExpression.Parse("player = 'ada'")).Evaluate(Event(extension: "ada")));
        Assert.Equal(FilterResult.Fail, new CesqlFilter(CesqlExpression.Parse("LENGTH(type)")).Evaluate(Event())); // not a Boolean
        Assert.Equal(FilterResult.Fail, new CesqlFilter(CesqlExpression.Parse("1 / 0 = 0")).Evaluate(Event())); // an error
    }
}
