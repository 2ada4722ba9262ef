namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>docs/brokers/rabbitmq.md documents every instrument of the RabbitMQ meter, in the shared broker-page structure.</summary>
[Trait("Category", "Unit")]
public sealed class RabbitMQDocumentationTests
{
    public static readonly string[] BrokerPageSections = ["Overview", "Mapping", "Metrics", "Configuration", "Failure modes", "Operating"];

    [Fact]
    public void The_page_has_the_broker_page_sections_and_every_instrument_with_its_type_and_unit()
    {
        var page = MarkdownPage.Read("brokers", "rabbitmq.md");

        Assert.Equal(BrokerPageSections, page.Sections);
        foreach (var instrument in RabbitMQInstruments.All)
        {
            var row = page.Row(instrument.Name);
            Assert.True(row.Count >= 4, $"{instrument.Name} is not in the Metrics table");
            Assert.Equal(instrument.Kind.ToString(), row[1]);
            Assert.Equal(instrument.Unit, row[2]);
        }
    }
}
