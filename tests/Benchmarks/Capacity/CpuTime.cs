using System.Globalization;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// CPU time from <c>/proc</c> (Linux): the whole machine's busy time and one process's, so a step can say how
/// much CPU each event cost and whether the machine was saturated. Zero where <c>/proc</c> is absent.
/// </summary>
internal readonly record struct CpuTime(double MachineBusyMs, double MachineTotalMs, double ProcessMs)
{
    private const double MsPerTick = 10; // USER_HZ is 100 on Linux

    /// <summary>Reads the machine's counters and those of <paramref name="processId"/> (0: none).</summary>
    public static CpuTime Read(int processId)
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var total = fields.Take(8).Sum();
            double process = 0;
            if (processId > 0 && File.Exists($"/proc/{processId}/stat"))
            {
                // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
                var stat = File.ReadAllText($"/proc/{processId}/stat");
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                process = double.Parse(rest[11], CultureInfo.InvariantCulture) + double.Parse(rest[12], CultureInfo.InvariantCulture);
            }

            return new CpuTime((total - idle) * MsPerTick, total * MsPerTick, process * MsPerTick);
        }
        catch (IOException)
        {
            return default;
        }
    }

    public static CpuTime operator -(CpuTime end, CpuTime start) =>
        new(end.MachineBusyMs - start.MachineBusyMs, end.MachineTotalMs - start.MachineTotalMs, end.ProcessMs - start.ProcessMs);
}
