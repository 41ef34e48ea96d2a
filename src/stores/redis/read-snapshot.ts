import type { BreakerState } from '../../breaker/events.js';
import type { BreakerSettings, BreakerSnapshot, ErrorSummary } from '../store.js';

/** Buckets the error-rate window is cut into, as in the memory store and the record script. */
const buckets = 10;

/**
 * Turns the snapshot script's reply (server time, lock, the state hash's fields) into what the
 * store knows of breaker `name`, counting only what lies in the window now. `held` gives the
 * successes this process counted and has not sent yet, added to `calls`.
 */
export function readSnapshot(
  name: string,
  reply: readonly unknown[],
  held: (settings: BreakerSettings) => number,
): BreakerSnapshot | undefined {
  const [rawNow, rawLock, rawFields] = reply;
  const now = Number(rawNow);
  const fields = fieldsOf(rawFields);
  const locked = rawLock === 'open' || rawLock === 'closed' ? rawLock : undefined;
  if (fields.size === 0 && locked === undefined) return undefined;

  const settings = parseJson<BreakerSettings>(fields.get('cfg'));
  const state = parseState(fields.get('st'));
  const retryAt = Number(fields.get('ra') ?? 0);
  const ruleState: BreakerState = state === 'open' && now >= retryAt ? 'half-open' : state;
  let failures = Number(fields.get('f') ?? 0);
  let calls = 0;
  const times = fields.get('ft');
  if (settings !== undefined && hasBuckets(fields)) {
    const counts = countWindow(fields, settings.window, now);
    failures = counts.failures;
    calls = counts.calls;
  } else if (settings !== undefined && times !== undefined) {
    failures = times
      .split(',')
      .filter((time) => time !== '' && Number(time) > now - settings.window).length;
  }

  if (settings !== undefined && state === 'closed') calls += held(settings);

  const changedAt = fields.get('at');
  return {
    name: fields.get('n') ?? name,
    state: locked ?? ruleState,
    ruleState,
    locked,
    failures,
    calls,
    lastError: parseJson<ErrorSummary>(fields.get('err')),
    retryAt: state === 'closed' ? undefined : retryAt,
    changedAt: changedAt === undefined ? undefined : Number(changedAt),
    settings,
  };
}

/** HGETALL's flat field, value, field, value… list as a map. */
function fieldsOf(raw: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (!Array.isArray(raw)) return fields;

  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), String(raw[i + 1]));
  return fields;
}

function parseState(value: string | undefined): BreakerState {
  return value === 'open' || value === 'half-open' ? value : 'closed';
}

/** Settings and last errors are written as JSON by this store; anything else reads as absent. */
function parseJson<T>(json: string | undefined): T | undefined {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}

function hasBuckets(fields: Map<string, string>): boolean {
  for (let slot = 0; slot < buckets; slot += 1) if (fields.has(`b${slot}`)) return true;
  return false;
}

/** Sums the buckets (`index:calls:failures`) that still lie in the window at `now`. */
function countWindow(
  fields: Map<string, string>,
  window: number,
  now: number,
): { calls: number; failures: number } {
  const current = Math.floor(now / (window / buckets));
  let calls = 0;
  let failures = 0;
  for (let slot = 0; slot < buckets; slot += 1) {
    const [index, bucketCalls, bucketFailures] = (fields.get(`b${slot}`) ?? '').split(':');
    if (index === undefined || index === '' || Number(index) <= current - buckets) continue;
    calls += Number(bucketCalls ?? 0);
    failures += Number(bucketFailures ?? 0);
  }

  return { calls, failures };
}
