/** The longest wait a `Retry-After` header is read as: one day, in milliseconds. */
const longest = 86_400_000;

/**
 * Reads a `Retry-After` header as milliseconds to wait: either a number of seconds (`120`) or an
 * HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`), measured from `now`. A date in the past reads as
 * 0. Returns `undefined` for a missing or unreadable header; a wait longer than a day is capped at
 * a day.
 *
 * @example
 * ```ts
 * parseRetryAfter('2'); // 2000
 * parseRetryAfter(new Date(Date.now() + 5_000).toUTCString()); // about 5000
 * parseRetryAfter('soon'); // undefined
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (typeof value !== 'string') return undefined;

  const text = value.trim();
  if (text === '') return undefined;

  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.min(longest, Math.round(Number(text) * 1000));
  }

  // A date must name a weekday or month, so numbers in other shapes ("-1", "1e3") are refused.
  if (!/[a-z]/i.test(text)) return undefined;

  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(longest, Math.max(0, at - now));
}
