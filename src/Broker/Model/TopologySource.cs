using Knative.Eventing.Metrics.Broker.Configuration;

namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>
/// Builds the topology once: the settings validator (which the options system runs for each settings instance it
/// makes) and the services that use the topology ask here, so manifests are read and the model built once at
/// startup. The topology is not reloaded: a change to the settings or manifests takes a restart.
/// </summary>
/// <param name="defaultManifests">The manifests loaded when the settings name none (the game's, when it runs).</param>
internal sealed class TopologySource(IReadOnlyList<string> defaultManifests)
{
    private readonly Lock _gate = new();
    private Topology? _model;

    /// <summary>How many times a model was built (one at startup).</summary>
    public int Builds { get; private set; }

    /// <summary>The model of <paramref name="options"/>, built on the first call that succeeds; later calls return it.</summary>
    /// <exception cref="InvalidOperationException">The configuration is invalid (the message names the field).</exception>
    public Topology Get(BrokerOptions options)
    {
        lock (_gate)
        {
            if (_model is null)
            {
                Builds++;
                _model = Topology.Build(options, defaultManifests);
            }

            return _model;
        }
    }
}
