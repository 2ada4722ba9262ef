namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>The error types every CESQL engine must report (CloudEvents SQL v1, section 3.3).</summary>
internal enum CesqlErrorKind
{
    /// <summary>The expression is not valid CESQL.</summary>
    Parse,

    /// <summary>Division or remainder by zero, or a result outside 32-bit integers.</summary>
    Math,

    /// <summary>A value could not be cast to the type an operator or function needs.</summary>
    Cast,

    /// <summary>The expression names an attribute the event does not have.</summary>
    MissingAttribute,

    /// <summary>No function of that name takes that many arguments.</summary>
    MissingFunction,

    /// <summary>A function was called with arguments outside its domain.</summary>
    FunctionEvaluation,
}

/// <summary>One error of an evaluation, with what caused it.</summary>
internal sealed record CesqlError(CesqlErrorKind Kind, string Message);
