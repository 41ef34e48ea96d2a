/** What a secret is replaced with. */
const mask = '[redacted]';

/** How deep a `cause` chain is copied; deeper causes are dropped. */
const maxDepth = 5;

/** The properties of a low-level error worth keeping, all of them plain strings or numbers. */
const keptFields = ['code', 'errno', 'syscall', 'address', 'port', 'hostname'] as const;

/**
 * Removes secrets from text and errors before they leave a client: every error message, URL and
 * `cause` chain passes through one.
 *
 * It knows each secret in its raw, URL-escaped and (for HTTP Basic credentials, which a client
 * hands it already encoded) base64 forms.
 */
export class Redactor {
  readonly #secrets: readonly string[];

  constructor(secrets: Iterable<string>) {
    const variants = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret === '') continue;
      variants.add(secret);
      variants.add(encodeURIComponent(secret));
    }

    // Longest first, so a secret that contains another is masked whole.
    this.#secrets = [...variants].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by `[redacted]`. */
  text(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result.includes(secret)) result = result.split(secret).join(mask);
    }

    return result;
  }

  /**
   * A copy of `error` that keeps its name, message, stack, low-level fields (`code`, `syscall`,
   * ...) and `cause` chain, with secrets removed, and nothing else: objects a library hung on
   * its error (a request, its headers) are left behind.
   */
  error(error: unknown, depth = 0): Error {
    if (!(error instanceof Error)) {
      return new Error(this.text(describe(error)).slice(0, 500));
    }

    const cause =
      error.cause !== undefined && depth < maxDepth
        ? this.error(error.cause, depth + 1)
        : undefined;
    const copy =
      error instanceof AggregateError
        ? new AggregateError(
            (error.errors as unknown[]).slice(0, 10).map((item) => this.error(item, maxDepth)),
            this.text(error.message),
            cause === undefined ? undefined : { cause },
          )
        : new Error(this.text(error.message), cause === undefined ? undefined : { cause });
    copy.name = this.text(error.name);
    const source = error as unknown as Record<string, unknown>;
    const target = copy as unknown as Record<string, unknown>;
    for (const field of keptFields) {
      const value = source[field];
      if (typeof value === 'number') target[field] = value;
      if (typeof value === 'string') target[field] = this.text(value);
    }

    copy.stack = this.text(error.stack ?? `${copy.name}: ${copy.message}`);
    return copy;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a thrown ${value === null ? 'null' : typeof value}`;
}
