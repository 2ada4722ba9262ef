using System.Text;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// Strict percent-decoding of <c>ce-</c> header values (HTTP binding 1.0, 3.1.3.2): every <c>%</c> must be
/// followed by two hex digits and the decoded bytes must be UTF-8. The SDK's decoder is lenient (it keeps
/// invalid sequences), which would let a bad encoding through as a different value, so this one rejects it.
/// </summary>
internal static class CloudEventHeaderValue
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecode(string value, out string decoded)
    {
        if (value.IndexOf('%') < 0)
        {
            decoded = value;
            return true;
        }

        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !IsHex(value[i + 1]) || !IsHex(value[i + 2]))
                {
                    decoded = string.Empty;
                    return false;
                }

                bytes.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                i += 2;
            }
            else if (c > 0x7F)
            {
                decoded = string.Empty;
                return false;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoded = string.Empty;
            return false;
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
