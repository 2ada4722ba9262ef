using System.Text.Json;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Filtering.Cesql;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Broker.Tests.Filtering;

/// <summary>
/// Our CESQL engine against every case of the CloudEvents SQL TCK (cloudevents/spec cesql/cesql_tck),
/// re-expressed in cesql-conformance.json: the value, and the one error type the case expects (or none).
/// </summary>
[Trait("Category", "Unit")]
public sealed class CesqlConformanceTests
{
    private static readonly string DataFile = RepositoryPaths.Combine("tests", "Broker.Tests", "Filtering", "cesql-conformance.json");

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        using var document = JsonDocument.Parse(File.ReadAllText(DataFile));
        foreach (var group in document.RootElement.GetProperty("groups").EnumerateArray())
        {
            var count = group.GetProperty("cases").GetArrayLength();
            for (var i = 0; i < count; i++)
            {
                data.Add(group.GetProperty("tck").GetString()!, i);
            }
        }

        return data;
    }

    [Fact]
    public void The_data_has_every_case_of_the_tck()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DataFile));
        var groups = document.RootElement.GetProperty("groups").EnumerateArray().ToList();

        Assert.Equal(18, groups.Count);
        Assert.Equal(275, groups.Sum(g => g.GetProperty("cases").GetArrayLength()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_tck_case_gives_the_expected_value_and_error(string tckFile, int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DataFile));
        var group = document.RootElement.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("tck").GetString() == tckFile);
        var testCase = group.GetProperty("cases")[index];
        var expression = testCase.GetProperty("expr").GetString()!;
        var expectedError = testCase.TryGetProperty("error", out var e) ? e.GetString() : null;

        if (expectedError == "parse")
        {
            Assert.Throws<CesqlParseException>(() => CesqlExpression.Parse(expression));
            return;
        }

        var (value, errors) = CesqlExpression.Parse(expression).Evaluate(Event(testCase));

        Assert.Equal(expectedError is null ? [] : [expectedError], errors.Select(x => Name(x.Kind)).Distinct());
        if (testCase.TryGetProperty("value", out var expected))
        {
            Assert.Equal(Value(expected), value);
        }
    }

    private static CloudEvent Event(JsonElement testCase)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = "id-1",
            Source = new Uri("http://localhost/source"),
            Type = "dev.knative.test",
        };
        var attributes = testCase.TryGetProperty("event", out var whole) ? whole : testCase.TryGetProperty("with", out var overrides) ? overrides : default;
        if (attributes.ValueKind != JsonValueKind.Object)
        {
            return cloudEvent;
        }

        foreach (var attribute in attributes.EnumerateObject())
        {
            if (attribute.Name == "specversion")
            {
                continue;
            }

            var known = cloudEvent.GetAttribute(attribute.Name);
            if (known is not null)
            {
                cloudEvent[known] = known.Parse(attribute.Value.ToString());
                continue;
            }

            var (type, value) = attribute.Value.ValueKind switch
            {
                JsonValueKind.True or JsonValueKind.False => (CloudEventAttributeType.Boolean, (object)attribute.Value.GetBoolean()),
                JsonValueKind.Number => (CloudEventAttributeType.Integer, attribute.Value.GetInt32()),
                _ => (CloudEventAttributeType.String, attribute.Value.GetString()!),
            };
            cloudEvent[CloudEventAttribute.CreateExtension(attribute.Name, type)] = value;
        }

        return cloudEvent;
    }

    private static object Value(JsonElement expected) => expected.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => expected.GetInt32(),
        _ => expected.GetString()!,
    };

    private static string Name(CesqlErrorKind kind) => kind switch
    {
        CesqlErrorKind.MissingAttribute => "missingAttribute",
        CesqlErrorKind.MissingFunction => "missingFunction",
        CesqlErrorKind.FunctionEvaluation => "functionEvaluation",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
