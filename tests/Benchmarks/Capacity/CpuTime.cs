using System.Globalization;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// A process's CPU time (user + system) from <c>/proc/{pid}/stat</c> (Linux), so a step can say what each event
/// cost the process that served it; 0 where <c>/proc</c> is absent. (The machine-wide counters of
/// <c>/proc/stat</c> were tried too: on this virtual machine they lag behind the processes' own.)
/// </summary>
internal static class CpuTime
{
    private const double MsPerTick = 10; // USER_HZ is 100 on Linux

    /// <summary>CPU time <paramref name="processId"/> used so far, ms (0: unknown).</summary>
    public static double OfProcessMs(int processId)
    {
        try
        {
            if (processId <= 0 || !File.Exists($"/proc/{processId}/stat"))
            {
                return 0;
            }

            // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(rest[11], CultureInfo.InvariantCulture) + double.Parse(rest[12], CultureInfo.InvariantCulture)) * MsPerTick;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
