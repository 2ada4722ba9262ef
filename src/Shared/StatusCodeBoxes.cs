namespace Knative.Eventing.Metrics;

/// <summary>Boxed HTTP status codes, created once, so recording a status code allocates nothing.</summary>
internal static class StatusCodeBoxes
{
    private const int First = 100;
    private const int Last = 599;
    private static readonly object[] Boxes = CreateBoxes();

    /// <summary>The cached box of a status code; codes outside 100–599 are boxed per call (they are not valid HTTP).</summary>
    public static object Get(int statusCode) =>
        statusCode is >= First and <= Last ? Boxes[statusCode - First] : statusCode;

    private static object[] CreateBoxes()
    {
        var boxes = new object[Last - First + 1];
        for (var i = 0; i < boxes.Length; i++)
        {
            boxes[i] = First + i;
        }

        return boxes;
    }
}
