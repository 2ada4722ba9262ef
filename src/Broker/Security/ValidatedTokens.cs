using System.Collections.Concurrent;

namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// Tokens that passed every check, remembered so a sender reusing its token (a Kubernetes service-account token lives an
/// hour) is not checked again on each request: the check is a pure function of the token, the audience, the issuer's keys
/// and the time, so the result stands while the keys are the same and the token has not expired. Keyed by the exact
/// token and audience; emptied whenever the keys change; at most <see cref="Capacity"/> entries (a full cache is emptied,
/// so a flood of distinct valid tokens costs checks, never memory). A token not yet valid or failing a check is never kept.
/// </summary>
internal sealed class ValidatedTokens
{
    /// <summary>The most tokens kept (about 1 KiB each: ~10 MiB at most).</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<(string Audience, string Token), (string Subject, DateTime ExpiresUtc)> _tokens = new();
    private object? _keys;

    /// <summary>The subject of <paramref name="token"/> for <paramref name="audience"/> if it passed with the keys <paramref name="keys"/>
    /// and is not expired.</summary>
    public string? Find(string audience, string token, object keys, DateTime nowUtc)
    {
        if (!ReferenceEquals(Volatile.Read(ref _keys), keys))
        {
            return null;
        }

        if (!_tokens.TryGetValue((audience, token), out var entry))
        {
            return null;
        }

        if (nowUtc < entry.ExpiresUtc)
        {
            return entry.Subject;
        }

        _tokens.TryRemove((audience, token), out _);
        return null;
    }

    /// <summary>Remembers a token that passed every check with <paramref name="keys"/>, until <paramref name="expiresUtc"/>.</summary>
    public void Add(string audience, string token, object keys, string subject, DateTime expiresUtc)
    {
        if (!ReferenceEquals(Interlocked.Exchange(ref _keys, keys), keys) || _tokens.Count >= Capacity)
        {
            _tokens.Clear(); // other keys: what passed with the old ones is checked again
        }

        _tokens[(audience, token)] = (subject, expiresUtc);
    }

    /// <summary>How many tokens are kept.</summary>
    public int Count => _tokens.Count;
}
