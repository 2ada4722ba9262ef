using System.Net.Sockets;
using RabbitMQ.Client.Exceptions;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>Maps RabbitMQ.Client failures to the documented <c>error.type</c> values.</summary>
internal static class RabbitMQErrorTypes
{
    public static string Classify(Exception exception, bool timedOut) => exception switch
    {
        _ when timedOut => ErrorTypes.Timeout,
        PublishException { IsReturn: true } => ErrorTypes.Unroutable,
        PublishException => ErrorTypes.Nack,
        AlreadyClosedException or OperationInterruptedException or BrokerUnreachableException
            or SocketException or IOException => ErrorTypes.ConnectionRefused,
        _ => ErrorTypes.FromException(exception),
    };
}
