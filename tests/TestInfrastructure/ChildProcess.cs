using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A process a test starts and owns: its output is kept (for failure messages) and can be awaited
/// line by line; disposing stops it (SIGTERM, then kill after a grace period). Only ever signals the
/// process it started.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => _lines.Writer.TryComplete();
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a program with arguments and extra environment variables.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the first output line matching <paramref name="pattern"/>; fails with the output when the process exits or time runs out.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                var match = pattern.Match(line);
                if (match.Success)
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No line matching '{pattern}' within {timeout}. Output so far:\n{Output}");
        }

        throw new InvalidOperationException($"The process exited (code {SafeExitCode()}) before printing a line matching '{pattern}'. Output:\n{Output}");
    }

    /// <summary>Waits for the process to exit by itself; kills it after <paramref name="timeout"/>.</summary>
    /// <returns>Its exit code.</returns>
    /// <exception cref="TimeoutException">It did not exit in time (the message holds its output).</exception>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => ExitOrKillAsync(timeout, $"did not exit within {timeout}");

    /// <summary>Asks the process to stop (SIGTERM) and waits for it to exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
        }

        return await ExitOrKillAsync(timeout, $"did not stop within {timeout} of SIGTERM");
    }

    /// <summary>Waits for the exit; past <paramref name="timeout"/> kills the process tree and throws, saying that it <paramref name="failure"/>.</summary>
    private async Task<int> ExitOrKillAsync(TimeSpan timeout, string failure)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The process {failure}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the process without warning (SIGKILL: no shutdown hooks, no draining) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync(TimeSpan.FromSeconds(15));
            }
        }
        catch (TimeoutException)
        {
            // Killed in StopAsync.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private string SafeExitCode() => _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
