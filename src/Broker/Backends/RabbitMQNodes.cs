using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>
/// The RabbitMQ nodes of <c>Broker:RabbitMQ</c>: one amqp:// URI, or one per cluster node separated by commas.
/// The first gives the user, password and virtual host (the others must agree); the client picks one of the
/// endpoints when it connects and another when it recovers from a lost node.
/// </summary>
internal sealed record RabbitMQNodes(Uri First, IReadOnlyList<AmqpTcpEndpoint> Endpoints)
{
    /// <summary>Parses the setting.</summary>
    /// <exception cref="InvalidOperationException">A URI is malformed, not amqp(s), or names another user or virtual host; the message names the
    /// setting.</exception>
    public static RabbitMQNodes Parse(string setting)
    {
        var parts = setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw Invalid(setting, "no URI");
        }

        var uris = new List<Uri>();
        foreach (var part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
            {
                throw Invalid(part, "is not an amqp:// URI");
            }

            if (uris.Count > 0 && (uri.UserInfo != uris[0].UserInfo || uri.AbsolutePath != uris[0].AbsolutePath || uri.Scheme != uris[0].Scheme))
            {
                throw Invalid(part, $"every node of a cluster needs the scheme, user and virtual host of the first ('{Redacted(uris[0])}')");
            }

            uris.Add(uri);
        }

        if (uris.Select(u => (u.Host, u.Port)).Distinct().Count() != uris.Count)
        {
            throw Invalid(setting, "a node is listed twice");
        }

        var factory = new ConnectionFactory();
        var endpoints = uris.Select(u =>
        {
            factory.Uri = u;
            return factory.Endpoint.Clone() as AmqpTcpEndpoint ?? throw new InvalidOperationException("RabbitMQ.Client returned no endpoint.");
        }).ToList();
        return new RabbitMQNodes(uris[0], endpoints);
    }

    private static string Redacted(Uri uri) => string.IsNullOrEmpty(uri.UserInfo) ? uri.ToString() : uri.ToString().Replace(
        uri.UserInfo + "@",
        "…@",
        StringComparison.Ordinal);

    private static InvalidOperationException Invalid(string value, string reason) =>
        new($"Invalid broker configuration: Broker:RabbitMQ: '{(Uri.TryCreate(value, UriKind.Absolute, out var u) ? Redacted(u) : value)}' " +
            $"{reason}.");
}
