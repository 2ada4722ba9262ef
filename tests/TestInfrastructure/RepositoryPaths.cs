namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>Finds files of this repository from a test's output directory.</summary>
public static class RepositoryPaths
{
    private const string SolutionFile = "KnativeEventingMetrics.slnx";

    /// <summary>The repository root (the folder holding the solution file).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path below the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"{SolutionFile} not found above {AppContext.BaseDirectory}.");
    }
}
