using System.Reflection;

namespace Knative.Eventing.Metrics.Tests.Shared;

/// <summary>
/// Compiled into every test project (tests/Directory.Build.props): every test class carries exactly one
/// <c>Category</c> trait of the four tiers, so <c>./test.sh --quick</c> (<c>Category=Unit</c>) and the full run
/// together see every test.
/// </summary>
[Trait(Name, Unit)]
public sealed class TestCategoryTests
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>No RabbitMQ, Kafka, Prometheus, promtool, browser or package build: what <c>./test.sh --quick</c> runs.</summary>
    public const string Unit = "Unit";

    private static readonly string[] Tiers = [Unit, "Integration", "Fault", "Load"];

    [Fact]
    public void Every_test_class_carries_exactly_one_category_of_the_four_tiers()
    {
        var testClasses = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()))
            .ToList();
        var wrong = testClasses
            .Select(t => (Type: t, Values: t.GetCustomAttributesData()
                .Where(a => a.AttributeType == typeof(TraitAttribute) && Equals(a.ConstructorArguments[0].Value, Name))
                .Select(a => a.ConstructorArguments[1].Value as string).ToList()))
            .Where(x => x.Values.Count != 1 || !Tiers.Contains(x.Values[0]))
            .Select(x => $"{x.Type.FullName}: [{string.Join(", ", x.Values)}]")
            .ToList();

        Assert.Contains(typeof(TestCategoryTests), testClasses);
        Assert.True(wrong.Count == 0, $"Test classes without exactly one Category trait of {string.Join("|", Tiers)}:\n{string.Join("\n", wrong)}");
    }
}
