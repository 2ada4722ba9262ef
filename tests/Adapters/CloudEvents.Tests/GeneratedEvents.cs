using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using FsCheck;
using FsCheck.Fluent;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>FsCheck generators of valid CloudEvents: with and without data, and with extensions of every type.</summary>
internal static class GeneratedEvents
{
    private static readonly string[] Words = ["score", "start", "level", "quiz", "leaderboard", "a", "b1"];
    private static readonly string[] Texts = ["plain", "with space", "ünïcödé", "日本語", "percent % sign", "quote \" mark", "emoji 🎮", ""];

    public static Gen<CloudEvent> Events { get; } =
        from id in Gen.Choose(1, 1_000_000)
        from level in Gen.Choose(1, 20)
        from word in Gen.Elements(Words)
        from subject in Gen.Elements(Texts.Where(t => t.Length > 0).Select(t => (string?)t).Append(null).ToArray())
        from time in Gen.Elements((DateTimeOffset?)null, new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2020, 2, 29, 23, 59, 59, 123, TimeSpan.FromHours(2)))
        from dataKind in Gen.Choose(0, 3)
        from text in Gen.Elements(Texts)
        from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
        from extInt in Gen.Elements((int?)null, 0, -7, int.MaxValue)
        from extBool in Gen.Elements((bool?)null, true, false)
        from extString in Gen.Elements(Texts.Where(t => t.Length > 0).Select(t => (string?)t).Append(null).ToArray())
        from withUris in Gen.Elements(true, false)
        from withBinary in Gen.Elements(true, false)
        select Build(id, level, word, subject, time, dataKind, text, bytes, extInt, extBool, extString, withUris, withBinary);

    /// <summary>The attributes of an event as canonical text, and its data as comparable text.</summary>
    public static string Describe(CloudEvent cloudEvent)
    {
        var builder = new StringBuilder();
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes().OrderBy(a => a.Key.Name, StringComparer.Ordinal))
        {
            builder.Append(attribute.Name).Append('=').Append(attribute.Format(value)).Append('\n');
        }

        builder.Append("data=").Append(cloudEvent.Data switch
        {
            null => "(none)",
            byte[] b => "bytes:" + Convert.ToBase64String(b),
            string s => "text:" + s,
            JsonElement e => "json:" + JsonSerializer.Serialize(e),
            var other => "other:" + other,
        });
        return builder.ToString();
    }

    private static CloudEvent Build(int id, int level, string word, string? subject, DateTimeOffset? time, int dataKind, string text, byte[] bytes, int? extInt, bool? extBool, string? extString, bool withUris, bool withBinary)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, ReceiverHost.Extensions)
        {
            Id = $"event-{id}",
            Source = new Uri($"/game/level/{level}", UriKind.Relative),
            Type = $"dev.knative.game.{word}",
            Subject = subject,
            Time = time,
        };
        switch (dataKind)
        {
            case 1:
                cloudEvent.DataContentType = "application/json";
                cloudEvent.Data = JsonSerializer.SerializeToElement(new { player = text, score = id % 100 });
                break;
            case 2:
                cloudEvent.DataContentType = "text/plain";
                cloudEvent.Data = text.Length == 0 ? "x" : text;
                break;
            case 3:
                cloudEvent.DataContentType = "application/octet-stream";
                cloudEvent.Data = bytes.Length == 0 ? new byte[] { 0 } : bytes;
                break;
        }

        if (extInt is { } i)
        {
            cloudEvent["extint"] = i;
        }

        if (extBool is { } b)
        {
            cloudEvent["extbool"] = b;
        }

        if (extString is not null)
        {
            cloudEvent["extstring"] = extString;
        }

        if (withUris)
        {
            cloudEvent["exturi"] = new Uri($"https://example.com/level/{level}?x=1");
            cloudEvent["exturiref"] = new Uri($"../level/{level}", UriKind.Relative);
            cloudEvent["exttime"] = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        }

        if (withBinary)
        {
            cloudEvent["extbinary"] = bytes;
        }

        return cloudEvent;
    }
}
