namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>docs/cloudevents.md documents every instrument of the hook and every rejection reason.</summary>
[Trait("Category", "Unit")]
public sealed class CloudEventsDocumentationTests
{
    [Fact]
    public void The_page_lists_every_instrument_and_reason()
    {
        var page = MarkdownPage.Read("cloudevents.md");

        foreach (var instrument in CloudEventsInstruments.All)
        {
            var row = page.Row(instrument.Name);
            Assert.True(row.Count >= 4, $"{instrument.Name} is not in the table");
            Assert.Equal(instrument.Kind.ToString(), row[1]);
            Assert.Equal(instrument.Unit, row[2]);
        }

        foreach (var reason in Enum.GetValues<InvalidEventReason>())
        {
            Assert.Contains($"`{AttributeValues.Of(reason)}`", page.Text);
        }
    }
}
