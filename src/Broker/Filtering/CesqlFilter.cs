using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Filtering.Cesql;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>
/// <c>cesql</c> (knative/eventing pkg/eventfilter/subscriptionsapi/cesql_filter.go; CESQL v1 section 1.2): the
/// event passes only when the expression evaluates to the Boolean <c>true</c> without any error.
/// </summary>
internal sealed class CesqlFilter(CesqlExpression expression) : ITriggerFilter
{
    public CesqlExpression Expression { get; } = expression;

    public FilterResult Evaluate(CloudEvent cloudEvent)
    {
        var (value, errors) = Expression.Evaluate(cloudEvent);
        return errors.Count == 0 && value is true ? FilterResult.Pass : FilterResult.Fail;
    }
}
