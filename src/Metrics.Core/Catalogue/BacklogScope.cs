namespace Knative.Eventing.Metrics;

/// <summary>
/// Who can see a part of a trigger's backlog, the <c>kn.backlog.scope</c> attribute of <c>kn.eventing.backlog</c>.
/// It tells a query how to add readings from several replicas: a broker-wide part is the same reading on
/// every replica (take the maximum), a replica part is held by one process only (take the sum).
/// </summary>
public enum BacklogScope
{
    /// <summary>
    /// Waiting in the broker, read alike by every replica (RabbitMQ: the queue's ready messages; Kafka:
    /// Σ high watermark − committed offset of the trigger's group, which includes records in flight).
    /// </summary>
    Broker,

    /// <summary>
    /// Held by this process only and not part of the broker-wide reading (RabbitMQ: messages delivered
    /// to this replica's consumer and not yet acknowledged; embedded: the process's own queue and in-flight events).
    /// </summary>
    Replica,
}
