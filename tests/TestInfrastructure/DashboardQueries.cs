using System.Text.Json;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>The queries of the shipped Grafana dashboards, with their variables substituted as Grafana would.</summary>
public static class DashboardQueries
{
    /// <summary>Every panel of a dashboard file in <c>dashboards/</c>: its title and its targets' expressions.</summary>
    public static IReadOnlyList<(string Title, IReadOnlyList<string> Expressions)> Panels(string file)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("dashboards", file)));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray().Select(panel => (
            panel.GetProperty("title").GetString()!,
            (IReadOnlyList<string>)[.. panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!)]))];
    }

    /// <summary>The one query of the panel titled <paramref name="title"/>, variables substituted.</summary>
    /// <exception cref="InvalidOperationException">No such panel, or it has several queries.</exception>
    public static string Panel(string file, string title, string brokerClass)
    {
        var panel = Panels(file).Where(p => p.Title == title).ToList();
        return panel is [{ Expressions: [var expression] }]
            ? Substitute(expression, brokerClass)
            : throw new InvalidOperationException($"{file} has no panel '{title}' with exactly one query.");
    }

    /// <summary>
    /// A panel query as Grafana sends it: namespace demo, broker default, the given broker class, every
    /// trigger and messaging system, a rate interval of 30 s.
    /// </summary>
    public static string Substitute(string expr, string brokerClass) => expr
        .Replace("$__rate_interval", "30s", StringComparison.Ordinal)
        .Replace("$namespace", "demo", StringComparison.Ordinal)
        .Replace("$broker_class", brokerClass, StringComparison.Ordinal)
        .Replace("$broker", "default", StringComparison.Ordinal)
        .Replace("$trigger", ".*", StringComparison.Ordinal)
        .Replace("$system", ".*", StringComparison.Ordinal);
}
