namespace Knative.Eventing.Metrics;

/// <summary>The state of a trigger's consumer, the <c>kn.consumer.state</c> attribute of <c>kn.eventing.trigger.consumers</c>.</summary>
public enum ConsumerState
{
    /// <summary>Taking events from the backend (also while paused on purpose).</summary>
    Running,

    /// <summary>Died or cannot start: the trigger's events wait in the backend until it runs again.</summary>
    Failed,
}
