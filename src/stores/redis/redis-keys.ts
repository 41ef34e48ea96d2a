/**
 * Where one breaker's state lives in Redis. Both keys carry the same hash tag, so the scripts that
 * touch them run on one Redis Cluster node.
 */
export interface BreakerKeys {
  /** A hash of the rule state, counts, probe leases, settings and last error; it has a TTL. */
  readonly state: string;
  /** The operator's lock, `open` or `closed`; it has no TTL and lasts until unlocked. */
  readonly lock: string;
}

/**
 * Writes a breaker's name as a hash tag's contents: `%`, `{` and `}` become `%25`, `%7B` and
 * `%7D`. Any other name reads as itself. Redis hashes only what lies between the first `{` and the
 * next `}`, so a brace left in a name would split the tag; the escape is reversible, so two names
 * never share a tag.
 */
export function hashTag(name: string): string {
  return name.replace(
    /[%{}]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The keys of breaker `name` under `prefix`, e.g. `breakwater:{twilio:send_sms}:state`. */
export function breakerKeys(prefix: string, name: string): BreakerKeys {
  const base = `${prefix}:{${hashTag(name)}}`;
  return { state: `${base}:state`, lock: `${base}:lock` };
}

/** The fleet-wide index of breaker names under `prefix`, for `names()`. */
export function indexKey(prefix: string): string {
  return `${prefix}:names`;
}
