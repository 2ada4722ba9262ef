using System.Diagnostics;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// Locates and runs a program the tests need from the machine (promtool, prometheus, rabbitmq-server).
/// A missing program is a failure that says how to install it, never a skipped test.
/// </summary>
public sealed class ExternalTool
{
    private ExternalTool(string path) => Path = path;

    /// <summary>The program's full path.</summary>
    public string Path { get; }

    /// <summary>Finds <paramref name="name"/> on PATH or in the usual Debian folders.</summary>
    /// <param name="name">The program name.</param>
    /// <param name="debianPackage">The Debian package that ships it (for the failure message).</param>
    /// <exception cref="InvalidOperationException">The program is not installed.</exception>
    public static ExternalTool Require(string name, string debianPackage)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/lib/rabbitmq/bin"]);
        foreach (var folder in folders)
        {
            var candidate = System.IO.Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return new ExternalTool(candidate);
            }
        }

        throw new InvalidOperationException(
            $"'{name}' is not installed, and this test needs the real program. Install it with " +
            $"'apt-get update && apt-get install -y {debianPackage}' (./test.sh does this when run as root).");
    }

    /// <summary>Runs the program to completion (bounded by <paramref name="timeout"/>), feeding <paramref name="stdin"/>.</summary>
    public async Task<ToolResult> RunAsync(IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}.");
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>What a finished program returned.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public string Output => StandardOutput + StandardError;
}
