namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>Whether a Docker engine may answer (DOCKER_HOST set or the default socket present); Testcontainers is tried only then.</summary>
public static class DockerEngine
{
    /// <summary>True when a Docker engine endpoint is configured or its default socket exists.</summary>
    public static bool MayBeReachable =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");
}
