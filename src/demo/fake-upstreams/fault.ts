/**
 * A scripted misbehaviour of a fake upstream, answered instead of the normal reply:
 * - `status`: an error status with a body in the vendor's error shape (or `body`), and a
 *   `Retry-After` header when `retryAfter` is given (seconds, or an HTTP date string);
 * - `html`: an HTML error page, as a proxy in front of a failing service sends (default 502);
 * - `truncated`: a success status whose JSON body is cut short (the HTTP framing is intact);
 * - `slow`: the request is carried out at once and the answer sent `delay` ms later;
 * - `hang`: the request is not carried out and no answer ever comes;
 * - `reset`: headers and half a body, then the connection is destroyed;
 * - `close`: the connection is destroyed without an answer;
 * - `huge`: a success status with a JSON body of `bytes` bytes.
 */
export type Fault =
  | {
      readonly type?: 'status';
      readonly status: number;
      readonly retryAfter?: number | string;
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly type: 'html'; readonly status?: number }
  | { readonly type: 'truncated'; readonly status?: number }
  | { readonly type: 'slow'; readonly delay: number }
  | { readonly type: 'hang' }
  | { readonly type: 'reset' }
  | { readonly type: 'close' }
  | { readonly type: 'huge'; readonly bytes: number };

/** Which requests a fault answers, and how many of them. */
export interface FaultScope {
  /**
   * How many matching requests the fault answers; `Infinity` for all until cleared.
   * @default 1
   */
  readonly times?: number;
  /**
   * Only requests of this method.
   * @default any method
   */
  readonly method?: string;
  /**
   * Only requests whose path equals or ends with this string, or matches this expression.
   * @default any path
   */
  readonly path?: string | RegExp;
}

/** A fault with its scope, as `fail()` takes it. */
export type ScriptedFault = Fault & FaultScope;

/** The name of a fault's kind, as the request log records it. */
export type FaultType = NonNullable<Fault['type']>;

/** The kind of a fault; a fault with a `status` and no `type` is a `status` fault. */
export function faultType(fault: Fault): FaultType {
  return fault.type ?? 'status';
}
