namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>The CESQL primitive types (section 3.1); values are <see cref="bool"/>, <see cref="int"/> and <see cref="string"/>.</summary>
internal enum CesqlType
{
    /// <summary>A boolean; zero value <c>false</c>.</summary>
    Boolean,

    /// <summary>A 32-bit signed integer; zero value <c>0</c>.</summary>
    Integer,

    /// <summary>A string; zero value <c>""</c>.</summary>
    String,
}
