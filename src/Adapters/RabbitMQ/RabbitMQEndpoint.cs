using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>The <c>server.address</c> and <c>server.port</c> of a connection, built once (the port boxed once).</summary>
internal readonly struct RabbitMQEndpoint
{
    public RabbitMQEndpoint(IConnection connection)
    {
        var endpoint = connection.Endpoint;
        Address = endpoint.HostName;
        Port = endpoint.Port > 0 ? endpoint.Port : endpoint.Ssl.Enabled ? 5671 : 5672; // AMQP's default ports (amqps: 5671)
    }

    public string Address { get; }

    public object Port { get; }
}
