namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>docs/brokers/kafka.md has the same sections as the RabbitMQ page and documents every Kafka instrument.</summary>
[Trait("Category", "Unit")]
public sealed class KafkaDocumentationTests
{
    [Fact]
    public void The_page_has_the_same_sections_as_the_rabbitmq_page_and_every_instrument_with_its_type_and_unit()
    {
        var page = MarkdownPage.Read("brokers", "kafka.md");

        Assert.Equal(MarkdownPage.Read("brokers", "rabbitmq.md").Sections, page.Sections);
        foreach (var instrument in KafkaInstruments.All)
        {
            var row = page.Row(instrument.Name);
            Assert.True(row.Count >= 4, $"{instrument.Name} is not in the Metrics table");
            Assert.Equal(instrument.Kind.ToString(), row[1]);
            Assert.Equal(instrument.Unit, row[2]);
        }
    }
}
