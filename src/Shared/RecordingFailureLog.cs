using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics;

/// <summary>
/// Logs a recording failure once per (operation, exception type) and swallows it: the library
/// never throws into its host. One rule for every package: compiled into each of them (shared source,
/// as the OpenTelemetry contrib packages share theirs), so none depends on another's internals.
/// </summary>
internal sealed partial class RecordingFailureLog(ILogger logger)
{
    private const int MaxDistinct = 256;
    private readonly ConcurrentDictionary<(string Operation, Type Exception), byte> _logged = new();
    private long _failures;

    /// <summary>How many recordings failed since the start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public void Report(string operation, Exception exception)
    {
        Interlocked.Increment(ref _failures);
        try
        {
            if (_logged.Count < MaxDistinct && _logged.TryAdd((operation, exception.GetType()), 0))
            {
                LogRecordingFailed(logger, operation, exception);
            }
        }
        catch (Exception)
        {
            // A failing logger must not turn a swallowed failure into a thrown one.
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Recording {Operation} failed; the measurement was dropped and further failures of this kind are not logged")]
    private static partial void LogRecordingFailed(ILogger logger, string operation, Exception exception);
}
