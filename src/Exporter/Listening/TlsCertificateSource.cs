using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Knative.Eventing.Metrics.Exporter.Listening;

/// <summary>
/// The ingress's TLS certificate, read from a PEM certificate (chain) and a PEM key (<c>--tls-cert</c>, <c>--tls-key</c>) and
/// read again when either changes, as cert-manager rotates them (a Kubernetes secret volume swaps a symlink in their
/// folder): Kestrel asks for the certificate on every handshake (<c>ServerCertificateSelector</c>), so new connections get
/// the new one while open ones go on, and the listener is never rebound. A file that does not load (half written, a key
/// that does not match) keeps the previous certificate and is logged; the next change is tried again.
/// </summary>
internal sealed partial class TlsCertificateSource : IDisposable
{
    /// <summary>How long after the last change event the files are read (writers touch them more than once).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly ILogger _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _reload;
    private X509Certificate2 _current;

    /// <exception cref="InvalidOperationException">The files do not load (the message names the setting and why).</exception>
    public TlsCertificateSource(string certificatePath, string keyPath, ILogger logger)
    {
        _certificatePath = Path.GetFullPath(certificatePath);
        _keyPath = Path.GetFullPath(keyPath);
        _logger = logger;
        _current = Load(_certificatePath, _keyPath);
        _reload = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        foreach (var folder in new[] { Path.GetDirectoryName(_certificatePath)!, Path.GetDirectoryName(_keyPath)! }.Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(folder)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.CreationTime | NotifyFilters.Size
                    | NotifyFilters.DirectoryName,
            };
            watcher.Changed += (_, _) => Schedule();
            watcher.Created += (_, _) => Schedule();
            watcher.Renamed += (_, _) => Schedule();
            watcher.Deleted += (_, _) => Schedule();
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    /// <summary>The certificate new handshakes get.</summary>
    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>How many times a changed certificate was taken (not counting the first).</summary>
    public int Reloads { get; private set; }

    /// <summary>Reads a certificate and its key, as startup and every reload do.</summary>
    /// <exception cref="InvalidOperationException">They do not load, do not match, or the certificate is not valid now.</exception>
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"Exporter:TlsCertificate/TlsKey: '{certificatePath}' and '{keyPath}' are not a PEM certificate and its private key " +
                    $"({ex.Message})",
                ex);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"Exporter:TlsKey: '{keyPath}' has no private key for the certificate in '{certificatePath}'");
        }

        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            var window = $"valid {certificate.NotBefore:u} to {certificate.NotAfter:u}";
            certificate.Dispose();
            throw new InvalidOperationException($"Exporter:TlsCertificate: '{certificatePath}' is not valid now ({window})");
        }

        return certificate;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _reload.Dispose();
    }

    private void Schedule() => _reload.Change(Settle, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        try
        {
            var next = Load(_certificatePath, _keyPath);
            if (next.Thumbprint == Current.Thumbprint)
            {
                next.Dispose();
                return;
            }

            // The previous certificate is not disposed: handshakes in progress may still hold it; one per rotation is little.
            Volatile.Write(ref _current, next);
            Reloads++;
            LogReloaded(_logger, next.Subject, next.NotAfter, next.Thumbprint);
        }
        catch (InvalidOperationException ex)
        {
            LogReloadFailed(_logger, ex.Message);
        }
    }

    [LoggerMessage(
        EventId = 500,
        Level = LogLevel.Information,
        Message = "TLS: the ingress certificate changed on disk; new connections get {Subject} (valid to {NotAfter:u}, thumbprint {Thumbprint})")]
    private static partial void LogReloaded(ILogger logger, string subject, DateTime notAfter, string thumbprint);

    [LoggerMessage(
        EventId = 501,
        Level = LogLevel.Error,
        Message = "TLS: the changed certificate files do not load; the ingress keeps its current certificate: {Problem}")]
    private static partial void LogReloadFailed(ILogger logger, string problem);
}
