using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Knative.Eventing.Metrics;

/// <summary>
/// Bounds a user-controlled attribute value: either the first <c>limit</c> distinct values seen by
/// the process are kept and later ones become <see cref="OtherValue"/>, or, with an allow-list,
/// exactly the listed values are kept. Values longer than the length limit also become
/// <see cref="OtherValue"/>. Thread-safe; a known value costs one dictionary lookup and no allocation.
/// </summary>
public sealed class CardinalityGuard
{
    /// <summary>The value that replaces every value past the limit or off the allow-list.</summary>
    public const string OtherValue = "_other";

    private readonly ConcurrentDictionary<string, string>? _seen;
    private readonly FrozenSet<string>? _allowed;
    private readonly int _limit;
    private readonly int _maxLength;
    private readonly Lock _admitLock = new();
    private int _count;
    private long _rejected;

    /// <summary>Creates a guard that keeps the first <paramref name="limit"/> distinct values.</summary>
    /// <param name="limit">How many distinct values to keep (0 keeps none).</param>
    /// <param name="maxValueLength">The longest value kept (256 is a sane default).</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is negative, or the length limit is not positive.</exception>
    public CardinalityGuard(int limit, int maxValueLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxValueLength);
        _limit = limit;
        _maxLength = maxValueLength;
        _seen = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>Creates a guard that keeps exactly the values of an allow-list.</summary>
    /// <param name="allowList">The values to keep; every other value becomes <see cref="OtherValue"/>.</param>
    /// <param name="maxValueLength">The longest value kept (256 is a sane default).</param>
    /// <exception cref="ArgumentNullException"><paramref name="allowList"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The length limit is not positive.</exception>
    public CardinalityGuard(IEnumerable<string> allowList, int maxValueLength)
    {
        ArgumentNullException.ThrowIfNull(allowList);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxValueLength);
        _allowed = allowList.Where(v => !string.IsNullOrEmpty(v)).ToFrozenSet(StringComparer.Ordinal);
        _limit = _allowed.Count;
        _maxLength = maxValueLength;
        _count = _allowed.Count;
    }

    /// <summary>How many distinct values are kept now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The most distinct values this guard keeps.</summary>
    internal int Limit => _limit;

    /// <summary>How many times a value was replaced by <see cref="OtherValue"/>.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Returns the value to record for <paramref name="value"/>.</summary>
    /// <param name="value">The raw value.</param>
    /// <returns><paramref name="value"/> (the first instance seen) when kept, else <see cref="OtherValue"/>.</returns>
    public string Bound(string value)
    {
        if (value.Length > _maxLength)
        {
            return Reject();
        }

        if (_allowed is not null)
        {
            return _allowed.TryGetValue(value, out var allowed) ? allowed : Reject();
        }

        return _seen!.TryGetValue(value, out var kept) ? kept : Admit(value);
    }

    private string Admit(string value)
    {
        lock (_admitLock)
        {
            if (_seen!.TryGetValue(value, out var kept))
            {
                return kept;
            }

            if (_count >= _limit)
            {
                return Reject();
            }

            _seen[value] = value;
            Volatile.Write(ref _count, _count + 1);
            return value;
        }
    }

    private string Reject()
    {
        Interlocked.Increment(ref _rejected);
        return OtherValue;
    }
}
