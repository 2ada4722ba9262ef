using Knative.Eventing.Metrics.Broker.Security;

namespace Knative.Eventing.Metrics.Broker.Tests.Security;

/// <summary>The memo of tokens that passed: only the exact token, for its audience, with the same keys, until it expires; bounded.</summary>
[Trait("Category", "Unit")]
public sealed class ValidatedTokensTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
    private readonly object _keys = new();
    private readonly ValidatedTokens _tokens = new();

    [Fact]
    public void A_passed_token_is_found_for_its_audience_and_keys_until_it_expires()
    {
        _tokens.Add("aud-a", "token-1", _keys, "system:serviceaccount:demo:p", Now.AddMinutes(10));

        Assert.Equal("system:serviceaccount:demo:p", _tokens.Find("aud-a", "token-1", _keys, Now));
        Assert.Equal("system:serviceaccount:demo:p", _tokens.Find("aud-a", "token-1", _keys, Now.AddMinutes(10).AddTicks(-1)));
        Assert.Null(_tokens.Find("aud-b", "token-1", _keys, Now)); // another broker's audience is checked in full
        Assert.Null(_tokens.Find("aud-a", "token-2", _keys, Now));
        Assert.Null(_tokens.Find("aud-a", "token-1", new object(), Now)); // other keys
        Assert.Null(_tokens.Find("aud-a", "token-1", _keys, Now.AddMinutes(10))); // expired: and removed
        Assert.Equal(0, _tokens.Count);
    }

    [Fact]
    public void New_keys_forget_what_the_old_ones_passed()
    {
        _tokens.Add("aud", "token-1", _keys, "s", Now.AddMinutes(10));
        var rotated = new object();
        _tokens.Add("aud", "token-2", rotated, "s", Now.AddMinutes(10));

        Assert.Null(_tokens.Find("aud", "token-1", rotated, Now));
        Assert.Equal(1, _tokens.Count);
    }

    [Fact]
    public void It_never_holds_more_than_its_capacity()
    {
        for (var i = 0; i < ValidatedTokens.Capacity + 10; i++)
        {
            _tokens.Add("aud", $"token-{i}", _keys, "s", Now.AddMinutes(10));
            Assert.InRange(_tokens.Count, 1, ValidatedTokens.Capacity);
        }
    }
}
