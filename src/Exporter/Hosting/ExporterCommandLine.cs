using System.CommandLine;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// The exporter's command line (System.CommandLine): named switches for the common settings, <c>--help</c>,
/// <c>--version</c>, and any configuration key as <c>--Section:Key value</c> (or <c>--Section:Key=value</c>).
/// Unknown switches and unknown configuration sections are refused, with a suggestion.
/// </summary>
internal static class ExporterCommandLine
{
    /// <summary>The configuration sections a <c>--Section:Key</c> switch may set.</summary>
    public static IReadOnlyList<string> Sections { get; } =
        [ExporterOptions.SectionName, BrokerOptions.SectionName, GameOptions.SectionName, "KnativeEventing", "Logging"];

    /// <summary>The prefix of configuration keys outside a section that <c>--KEY value</c> may set: OpenTelemetry's settings
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, …).</summary>
    public const string OpenTelemetryPrefix = "OTEL_";

    private static readonly ExporterOptions ExporterDefaults = new();
    private static readonly BrokerOptions BrokerDefaults = new();
    private static readonly GameOptions GameDefaults = new();

    /// <summary>The named switches: switch, configuration key, value name, default (as help shows it), description.</summary>
    private static readonly Switch[] Switches =
    [
        new(
            "--ingress-url",
            $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.IngressUrl)}",
            "url",
            ExporterDefaults.IngressUrl,
            "Ingress, status page and /healthz listener."),
        new(
            "--metrics-url",
            $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MetricsUrl)}",
            "url",
            ExporterDefaults.MetricsUrl,
            "Prometheus scrape listener."),
        new(
            "--metrics-path",
            $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MetricsPath)}",
            "path",
            ExporterDefaults.MetricsPath,
            "Scrape path on the metrics listener."),
        new(
            "--metrics-bearer-token",
            $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MetricsBearerToken)}",
            "token",
            "unset: /metrics is open",
            "Token a scrape must send as 'Authorization: Bearer <token>'."),
        new(
            "--broker-class",
            $"{KnativeEventingMetricsOptions.SectionName}:{nameof(KnativeEventingMetricsOptions.BrokerClass)}",
            "class",
            "from --backend",
            "Knative broker class (meter tag kn.broker.class)."),
        new(
            "--backend",
            $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Backend)}",
            "Embedded|RabbitMQ|Kafka",
            BrokerDefaults.Backend,
            "Backend that stores events between ingress and dispatch (--broker is an older name for it).",
            "--broker"),
        new(
            "--rabbitmq",
            $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.RabbitMQ)}",
            "amqp-uri",
            BrokerDefaults.RabbitMQ,
            "RabbitMQ server (with --backend rabbitmq)."),
        new(
            "--kafka",
            $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Kafka)}",
            "bootstrap",
            BrokerDefaults.Kafka,
            "Kafka bootstrap servers (with --backend kafka)."),
        new(
            "--tls-cert",
            $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.TlsCertificate)}",
            "pem-file",
            "unset: plain http",
            "Serve the ingress over HTTPS (TLS 1.2+) with this PEM certificate (chain); read again when it changes. Needs --tls-key."),
        new(
            "--tls-key",
            $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.TlsKey)}",
            "pem-file",
            "unset",
            "The PEM private key of --tls-cert."),
        new(
            "--oidc-issuer",
            $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Oidc)}:{nameof(OidcOptions.Issuer)}",
            "url",
            "unset: no sender authentication",
            "Require 'Authorization: Bearer <JWT>' from this OIDC issuer on the ingress, with the broker's audience (Knative's " +
                "authentication-oidc); EventPolicies in --manifests then say who may send. Needs --no-game."),
        new(
            "--players",
            $"{GameOptions.SectionName}:{nameof(GameOptions.Players)}",
            "n",
            GameDefaults.Players.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "Simulated players."),
        new(
            "--rate",
            $"{GameOptions.SectionName}:{nameof(GameOptions.Rate)}",
            "events/s",
            GameDefaults.Rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "Game events per second over all players."),
        new("--max-events", $"{GameOptions.SectionName}:{nameof(GameOptions.MaxEvents)}", "n", "unlimited", "Stop the game after this many events."),
    ];

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <returns>The parse: help, version or errors to show, or the configuration the switches set.</returns>
    public static Parsed Parse(string[] args)
    {
        var (keys, rest) = SplitConfigurationKeys(args);
        var command = Create(out var options, out var noGame, out var lists);
        var result = command.Parse(rest);
        var configuration = new List<string>();
        foreach (var (option, entry) in options)
        {
            if (result.GetResult(option) is { Implicit: false } && result.GetValue(option) is { } value)
            {
                configuration.Add($"--{entry.Key}={value}");
            }
        }

        foreach (var (option, key) in lists)
        {
            var values = result.GetValue(option) ?? [];
            for (var i = 0; i < values.Length; i++)
            {
                configuration.Add($"--{key}:{i}={values[i]}");
            }
        }

        if (result.GetValue(noGame))
        {
            configuration.Add($"--{GameOptions.SectionName}:{nameof(GameOptions.Enabled)}=false");
        }

        var unknownSections = keys.Where(k => k.Key.Contains(
            ':',
            StringComparison.Ordinal)).Select(k => k.Key.Split(':')[0]).Where(s => !Sections.Contains(
                s,
                StringComparer.OrdinalIgnoreCase)).Distinct().ToList();
        configuration.AddRange(keys.Select(k => $"--{k.Key}={k.Value}"));
        return new Parsed(result, configuration, unknownSections);
    }

    /// <summary>The root command with every switch; what <c>--help</c> lists.</summary>
    private static RootCommand Create(
        out List<(Option<string> Option, Switch Entry)> options,
        out Option<bool> noGame,
        out List<(Option<string[]> Option, string Key)> lists)
    {
        var root = new RootCommand(
            "Knative Eventing Metrics exporter: a Knative-style broker (ingress, triggers, dispatcher) over an embedded, RabbitMQ or Kafka backend, "
            + "the demo game's event flow, and every kn.eventing.* series on /metrics for Prometheus.\n\n"
            + "Every setting can also be given as a configuration key (--Section:Key value, e.g. --Broker:DrainTimeout PT30S), "
            + "in appsettings.json, or as an environment variable (Section__Key). Sections: " + string.Join(
                ", ",
                Sections) + "; also OpenTelemetry's OTEL_* settings (--OTEL_EXPORTER_OTLP_ENDPOINT url). See docs/exporter.md.");
        options = [];
        foreach (var entry in Switches)
        {
            var option = new Option<string>(entry.Name, [.. entry.Aliases])
            {
                Description = $"{entry.Description} [default: {entry.Default}] [config: {entry.Key}] [env: " +
                    $"{entry.Key.Replace(":", "__", StringComparison.Ordinal)}]",
                HelpName = entry.ValueName,
            };
            root.Options.Add(option);
            options.Add((option, entry));
        }

        noGame = new Option<bool>("--no-game")
        {
            Description = $"Run the broker alone, for your own producers (POST /{{namespace}}/{{broker}}). [default: the game runs] [config: " +
                $"{GameOptions.SectionName}:{nameof(GameOptions.Enabled)}=false] [env: {GameOptions.SectionName}__{nameof(GameOptions.Enabled)}]",
        };
        root.Options.Add(noGame);
        lists = [];
        foreach (var (name, key, valueName, description) in new[]
        {
            (
                "--manifests",
                $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Manifests)}",
                "path",
                "Knative Broker and Trigger manifests (a YAML file or a folder of them); repeatable. [default: the game's, knative/game.yaml]"),
            (
                "--resolve",
                $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Resolve)}",
                "Kind/namespace/name=url",
                "The address of a reference the manifests name (subscriber or dead-letter ref); repeatable."),
        })
        {
            var option = new Option<string[]>(name)
            {
                Description = $"{description} [config: {key}:0, {key}:1, ...]",
                HelpName = valueName,
                AllowMultipleArgumentsPerToken = false,
            };
            root.Options.Add(option);
            lists.Add((option, key));
        }

        return root;
    }

    /// <summary>Takes <c>--Section:Key value</c> and <c>--Section:Key=value</c> out of <paramref name="args"/> (the value may start with
    /// '-').</summary>
    private static (List<KeyValuePair<string, string>> Keys, List<string> Others) SplitConfigurationKeys(string[] args)
    {
        var keys = new List<KeyValuePair<string, string>>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg.StartsWith('/') ? arg[1..] : null;
            var nameOnly = name?.Split('=', 2)[0];
            if (nameOnly is null || !nameOnly.Contains(
                ':',
                StringComparison.Ordinal) && !nameOnly.StartsWith(OpenTelemetryPrefix, StringComparison.Ordinal))
            {
                rest.Add(arg);
                continue;
            }

            var equals = name!.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                keys.Add(new(name[..equals], name[(equals + 1)..]));
            }
            else if (i + 1 < args.Length)
            {
                keys.Add(new(name, args[++i]));
            }
            else
            {
                rest.Add(arg); // no value: System.CommandLine reports it as unrecognized
            }
        }

        return (keys, rest);
    }

    /// <summary>A parsed command line.</summary>
    /// <param name="Result">System.CommandLine's parse (help, version and errors are its actions).</param>
    /// <param name="Configuration">The configuration the arguments set, as <c>--Key=value</c> for the configuration's command-line source.</param>
    /// <param name="UnknownSections">Configuration sections named in <c>--Section:Key</c> that the exporter does not read.</param>
    internal sealed record Parsed(ParseResult Result, IReadOnlyList<string> Configuration, IReadOnlyList<string> UnknownSections)
    {
        /// <summary>Whether the exporter should not run: help or version asked for, or the arguments are wrong.</summary>
        public bool ShouldExit => Result.Action is not null || UnknownSections.Count > 0;

        /// <summary>The errors, one per line; empty when there are none.</summary>
        public string Errors => string.Join(
            Environment.NewLine,
            Result.Errors.Select(e => e.Message).Concat(SectionErrors));

        private IEnumerable<string> SectionErrors =>
            UnknownSections.Select(s => $"Unknown configuration section '{s}' (in --{s}:...). Known sections: {string.Join(", ", Sections)}.");

        /// <summary>Shows help, the version or the errors; returns the exit code (0 for help and version).</summary>
        public int Run()
        {
            foreach (var error in SectionErrors)
            {
                Console.Error.WriteLine(error);
            }

            // Help, version or the parser's own errors; unknown sections alone are an error the parser did not see.
            return Result.Action is null ? 1 : Result.Invoke();
        }
    }

    /// <summary>A named switch; <paramref name="Aliases"/> are older names it still answers to.</summary>
    private sealed record Switch(string Name, string Key, string ValueName, string Default, string Description, params string[] Aliases);
}
