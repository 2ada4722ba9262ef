using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// The dashboards satisfy Grafana's published dashboard types (<c>@grafana/schema</c>, pinned in
/// <c>dashboards/schema/package.json</c>): each dashboard becomes a TypeScript literal typed as
/// <c>Dashboard</c>, and <c>tsc --noEmit</c> (strict) must accept it, so they stay importable as Grafana evolves.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DashboardSchemaTests
{
    [Fact]
    public async Task Every_dashboard_satisfies_grafanas_published_dashboard_schema()
    {
        var schema = RepositoryPaths.Combine("dashboards", "schema");
        var tsc = Path.Combine(schema, "node_modules", "typescript", "bin", "tsc");
        if (!File.Exists(tsc) || !Directory.Exists(Path.Combine(schema, "node_modules", "@grafana", "schema")))
        {
            throw new InvalidOperationException($"@grafana/schema and typescript are not installed in {schema}. Run 'npm ci' there (./test.sh does this; it needs Node.js and npm: 'apt-get install -y nodejs npm').");
        }

        var node = ExternalTool.Require("node", "nodejs");
        var generated = Directory.CreateDirectory(Path.Combine(schema, "generated"));
        var dashboards = Directory.GetFiles(RepositoryPaths.Combine("dashboards"), "*.json");
        try
        {
            foreach (var file in dashboards)
            {
                var name = Path.GetFileNameWithoutExtension(file);
                await File.WriteAllTextAsync(
                    Path.Combine(generated.FullName, name + ".ts"),
                    $"import type {{ Dashboard }} from '@grafana/schema';\n\nexport const dashboard: Dashboard = {await File.ReadAllTextAsync(file)};\n");
            }

            var result = await node.RunAsync([tsc, "-p", schema], timeout: TimeSpan.FromMinutes(2));

            Assert.True(result.ExitCode == 0, $"tsc rejected a dashboard against @grafana/schema's Dashboard type:\n{result.Output}");
            Assert.Equal(2, dashboards.Length);
        }
        finally
        {
            generated.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_dashboard_the_schema_rejects_fails_the_check()
    {
        // The check itself must be able to fail: the variable shape Grafana's schema refuses (current: {}).
        var schema = RepositoryPaths.Combine("dashboards", "schema");
        var node = ExternalTool.Require("node", "nodejs");
        var generated = Directory.CreateDirectory(Path.Combine(schema, "generated"));
        try
        {
            await File.WriteAllTextAsync(
                Path.Combine(generated.FullName, "bad.ts"),
                "import type { Dashboard } from '@grafana/schema';\n\nexport const dashboard: Dashboard = { title: 'bad', templating: { list: [{ name: 'x', type: 'custom', current: {} }] } };\n");

            var result = await node.RunAsync([Path.Combine(schema, "node_modules", "typescript", "bin", "tsc"), "-p", schema], timeout: TimeSpan.FromMinutes(2));

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("missing the following properties from type 'VariableOption': text, value", result.Output);
        }
        finally
        {
            generated.Delete(recursive: true);
        }
    }
}
