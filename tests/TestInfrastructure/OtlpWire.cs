using Google.Protobuf;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>Protocol-buffer wire reading for the OTLP messages the receiver decodes (common/v1 <c>KeyValue</c> included).</summary>
internal static class OtlpWire
{
    /// <summary>One <c>KeyValue</c>: its key and its <c>AnyValue</c> (string, bool, int or double).</summary>
    internal static void Attribute(byte[] keyValue, Dictionary<string, object?> into)
    {
        string? key = null;
        object? value = null;
        foreach (var part in Fields(keyValue))
        {
            if (part.Number == 1)
            {
                key = part.Text;
            }
            else if (part.Number == 2)
            {
                value = Fields(part.Bytes).Select(v => v.Number switch
                {
                    1 => (object?)v.Text,
                    2 => v.Varint != 0,
                    3 => (long)v.Varint,
                    4 => BitConverter.UInt64BitsToDouble(v.Fixed64),
                    _ => null,
                }).FirstOrDefault();
            }
        }

        if (key is not null)
        {
            into[key] = value;
        }
    }

    internal static List<WireField> Fields(byte[] message)
    {
        var fields = new List<WireField>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (wire)
            {
                case WireFormat.WireType.Varint: fields.Add(new WireField(number, wire, input.ReadUInt64(), 0, [])); break;
                case WireFormat.WireType.Fixed64: fields.Add(new WireField(number, wire, 0, input.ReadFixed64(), [])); break;
                case WireFormat.WireType.LengthDelimited: fields.Add(new WireField(number, wire, 0, 0, input.ReadBytes().ToByteArray())); break;
                default: input.SkipLastField(); break;
            }
        }

        return fields;
    }

    /// <summary>One field as read off the wire.</summary>
    internal sealed record WireField(int Number, WireFormat.WireType Wire, ulong Varint, ulong Fixed64, byte[] Bytes)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

        /// <summary>A repeated fixed64/double field: packed (one length-delimited run) or one value.</summary>
        public IEnumerable<ulong> PackedFixed64() =>
            Wire == WireFormat.WireType.Fixed64 ? [Fixed64] : Enumerable.Range(0, Bytes.Length / 8).Select(i => BitConverter.ToUInt64(Bytes, i * 8));
    }
}
