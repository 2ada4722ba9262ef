using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Loads the librdkafka that Confluent.Kafka ships (the <c>librdkafka.redist</c> files beside the
/// application), whatever the machine has: left to the default search, a system <c>librdkafka.so</c>
/// (Debian's <c>librdkafka-dev</c> puts one on the library path) is loaded when the bundled default
/// build cannot be (it needs <c>libsasl2.so.3</c>), and an older librdkafka lacks functions that
/// Confluent.Kafka calls: consumers then die with <c>EntryPointNotFoundException</c> while producing
/// still works. Call <see cref="EnsureLoaded"/> once at startup, before any Kafka client is built; the
/// adapter's consumers and backlog readers call it too.
/// </summary>
public static class KafkaNativeLibrary
{
    // The bundled builds in the order Confluent's own loader prefers them: the default build (needs
    // libsasl2.so.3), the glibc build with everything linked in, the musl one.
    private static readonly string[] BundledLinuxFiles = ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];
    // The names Confluent.Kafka's DllImports use for the default, glibc and musl builds.
    private static readonly string[] ConfluentLibraryNames = ["librdkafka", "centos8-librdkafka", "alpine-librdkafka"];
    private static readonly Lock Gate = new();
    private static string? _loadedFrom;
    private static bool _checked;

    /// <summary>The librdkafka version this Confluent.Kafka needs at least: its own major.minor (Confluent releases both together).</summary>
    public static Version Required { get; } = new(
        typeof(Library).Assembly.GetName().Version!.Major,
        typeof(Library).Assembly.GetName().Version!.Minor);

    /// <summary>The file librdkafka was loaded from by <see cref="EnsureLoaded"/>; <see langword="null"/> when it was loaded by the default search or
    /// before the first call.</summary>
    public static string? LoadedFrom
    {
        get
        {
            lock (Gate)
            {
                return _loadedFrom;
            }
        }
    }

    /// <summary>
    /// Loads librdkafka from <paramref name="path"/>, else the bundled build that loads on this machine,
    /// else by the default search, and checks that its version is at least <see cref="Required"/>. Does
    /// nothing after the first successful call.
    /// </summary>
    /// <param name="path">A librdkafka file to load instead of the bundled one (e.g. a system build with other security plugins); <see
    /// langword="null"/> for the bundled one.</param>
    /// <returns>The loaded library's version, as librdkafka reports it.</returns>
    /// <exception cref="InvalidOperationException">
    /// The library loaded (or already loaded by the application before this call) is older than
    /// <see cref="Required"/>, or <paramref name="path"/> cannot be loaded. The message names the
    /// versions and the file.
    /// </exception>
    public static string EnsureLoaded(string? path = null)
    {
        lock (Gate)
        {
            if (_checked)
            {
                return Library.VersionString;
            }

            var alreadyLoaded = Library.IsLoaded;
            if (!alreadyLoaded)
            {
                var handle = IntPtr.Zero;
                _loadedFrom = path is not null
                    ? (NativeLibrary.TryLoad(
                        path,
                        out handle) ? path : throw new InvalidOperationException($"librdkafka could not be loaded from '{path}' (a missing file or " +
                            $"a missing dependency of it)."))
                    : BundledCandidates().FirstOrDefault(file => NativeLibrary.TryLoad(file, out handle));
                if (_loadedFrom is not null)
                {
                    // Confluent.Kafka binds librdkafka through DllImport: resolve its names to the chosen file.
                    // (Library.Load(path) would dlopen through an unversioned libdl.so that glibc 2.34+ machines lack.)
                    var chosen = handle;
                    NativeLibrary.SetDllImportResolver(
                        typeof(Library).Assembly,
                        (name, _, _) => ConfluentLibraryNames.Contains(name) ? chosen : IntPtr.Zero);
                }

                Library.Load();
            }

            var found = new Version((Library.Version >> 24) & 0xff, (Library.Version >> 16) & 0xff, (Library.Version >> 8) & 0xff);
            if (found < Required)
            {
                var where = alreadyLoaded
                    ? "loaded by the application before the Kafka adapter (build no Kafka client before calling KafkaNativeLibrary.EnsureLoaded)"

                        : _loadedFrom is null
                        ? "found by the default library search (the bundled librdkafka.redist files are not beside the application)"
                        : $"loaded from '{_loadedFrom}'";
                throw new InvalidOperationException(
                    $"librdkafka {Library.VersionString} was {where}, but Confluent.Kafka " +
                        $"{typeof(Library).Assembly.GetName().Version!.ToString(3)} needs librdkafka {Required} or later: "
                    + "its consumers would fail with EntryPointNotFoundException. Deploy the librdkafka.redist files with the application (the " +
                        "default), or point to a librdkafka of that version.");
            }

            _checked = true;
            return Library.VersionString;
        }
    }

    private static IEnumerable<string> BundledCandidates()
    {
        if (!OperatingSystem.IsLinux())
        {
            return []; // Windows and macOS load the bundled file by name; nothing else shadows it there
        }

        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var folders = new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"), AppContext.BaseDirectory };
        return folders.SelectMany(folder => BundledLinuxFiles.Select(file => Path.Combine(folder, file))).Where(File.Exists);
    }
}
