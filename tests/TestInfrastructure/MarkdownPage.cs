namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>A documentation page of this repository, read for tests that keep docs and code in step.</summary>
public sealed class MarkdownPage
{
    private readonly string[] _lines;

    private MarkdownPage(string[] lines) => _lines = lines;

    /// <summary>Reads a page below docs/.</summary>
    public static MarkdownPage Read(params string[] pathUnderDocs) => new(File.ReadAllLines(RepositoryPaths.Combine(["docs", .. pathUnderDocs])));

    /// <summary>The second-level headings, in order.</summary>
    public IReadOnlyList<string> Sections => _lines.Where(l => l.StartsWith("## ", StringComparison.Ordinal)).Select(l => l[3..].Trim()).ToList();

    /// <summary>The rows of every table whose first cell is <c>`name`</c>, as cells without backticks.</summary>
    public IReadOnlyList<string> Row(string firstCell)
    {
        foreach (var line in _lines)
        {
            if (!line.StartsWith('|'))
            {
                continue;
            }

            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim().Replace("`", string.Empty, StringComparison.Ordinal)).ToArray();
            if (cells[0] == firstCell)
            {
                return cells;
            }
        }

        return [];
    }

    /// <summary>The full text.</summary>
    public string Text => string.Join('\n', _lines);
}
