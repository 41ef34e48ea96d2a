import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, isCircuitOpenError } from 'breakwater';
import {
  ApiClient,
  isApiError,
  type ApiClientOptions,
  type ApiError,
  type ApiRequest,
  type RetryPolicy,
} from 'breakwater/clients';
import {
  FakeUpstream,
  type FakeUpstreamOptions,
  type RecordedRequest,
  type Reply,
} from '../../src/demo/fake-upstreams/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { captureLogger, freePort, instantClock, rejectionOf } from './harness.js';

/** A vendor with one resource that answers `{ id, echo }`, or what `reply` says. */
class EchoUpstream extends FakeUpstream {
  readonly vendor = 'echo';
  reply: Reply | undefined;

  constructor(options: FakeUpstreamOptions = {}) {
    super(options);
  }

  start(options: FakeUpstreamOptions = {}): Promise<this> {
    return this.listen(options);
  }

  protected route(request: RecordedRequest): Reply {
    return this.reply ?? { status: 200, body: { id: 'thing_1', echo: request.path } };
  }

  protected errorBody(status: number, message: string): unknown {
    return { error: { code: `E${status}`, message } };
  }

  protected answerHeaders(): Record<string, string> {
    return { 'X-Request-Id': 'rq_1' };
  }
}

/** A client of the echo vendor whose one operation takes a retry policy. */
class EchoClient extends ApiClient {
  ping(retry: RetryPolicy = 'idempotent', signal?: AbortSignal): Promise<unknown> {
    const request: ApiRequest = { method: 'GET', path: '/thing', retry };
    return this.request('ping', request, { signal }).then((answer) => answer.body);
  }

  create(): Promise<unknown> {
    const request: ApiRequest = {
      method: 'POST',
      path: '/thing',
      json: { a: 1 },
      retry: 'unsent-only',
    };
    return this.request('create', request).then((answer) => answer.body);
  }
}

let upstream: EchoUpstream;
let log: ReturnType<typeof captureLogger>;
let clock: ReturnType<typeof instantClock>;

function client(options: Partial<ApiClientOptions> = {}): EchoClient {
  return new EchoClient({
    vendor: 'echo',
    baseUrl: upstream.url,
    store: new MemoryStore(),
    logger: log.logger,
    clock,
    ...options,
  });
}

beforeEach(async () => {
  upstream = await new EchoUpstream().start();
  log = captureLogger();
  clock = instantClock();
});

afterEach(async () => {
  await upstream.close();
});

describe('ApiClient options', () => {
  it('names each breaker vendor:operation and makes it once', () => {
    const echo = client();

    expect(echo.breaker('ping').name).toBe('echo:ping');
    expect(echo.breaker('ping')).toBe(echo.breaker('ping'));
    expect(echo.breaker('ping').settings.threshold).toBe(1);
    expect(echo.breaker('ping').settings.coolOff).toBe(60_000);
  });

  it('refuses invalid options, naming them', () => {
    expect(() => client({ vendor: 'Echo!' })).toThrow(/vendor must be/);
    expect(() => client({ baseUrl: 'ftp://x.test' })).toThrow(/baseUrl must be an http/);
    expect(() => client({ baseUrl: 'https://x.test/v1' })).toThrow(/no path/);
    expect(() => client({ baseUrl: 'https://user:hunter2@x.test' })).toThrow(
      /must not hold credentials/,
    );
    expect(() => client({ baseUrl: 'https://user:hunter2@x.test' })).not.toThrow(/hunter2/);
    expect(() => client({ timeout: -1 })).toThrow(/timeout must be between/);
    expect(() => client({ retry: { attempts: 0 } })).toThrow(/retry.attempts must be an integer/);
    expect(() => client({ retry: { tries: 2 } as never })).toThrow(
      /retry.tries is not a retry option/,
    );
    expect(() => client({ breaker: { threshold: 0 } })).toThrow(/threshold must be an integer/);
    expect(() => client({ logger: {} as never })).toThrow(/logger must have warn/);
    expect(() => client({ colour: 'blue' } as never)).toThrow(
      /options.colour is not a client option/,
    );
  });

  it('sends only to the origin of baseUrl, with the vendor path added', async () => {
    await client({ baseUrl: `${upstream.url}/` }).ping();

    expect(upstream.requests.map((request) => request.path)).toEqual(['/thing']);
    expect(upstream.requests[0]?.headers['accept']).toBe('application/json');
  });
});

describe('ApiClient failures', () => {
  it('rejects a timeout with a clean ApiError and retries it only when the policy allows', async () => {
    upstream.fail({ type: 'hang', times: 3 });
    const error = (await rejectionOf(client({ timeout: 50 }).ping())) as ApiError;

    expect(error.code).toBe('ERR_API_TIMEOUT');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('echo:ping: GET /thing timed out after 50 ms');
    expect(upstream.requests).toHaveLength(3);

    upstream.clearRequests().fail({ type: 'hang' });
    const created = (await rejectionOf(client({ timeout: 50 }).create())) as ApiError;

    expect(created.code).toBe('ERR_API_TIMEOUT');
    expect(created.retryable).toBe(false);
    expect(upstream.requests).toHaveLength(1);
  });

  it("rejects with the caller's abort reason, and the breaker does not count it", async () => {
    upstream.fail({ type: 'hang' });
    const echo = client();
    const controller = new AbortController();
    const reason = new Error('user went away');
    const pending = echo.ping('idempotent', controller.signal);
    await vi.waitFor(() => expect(upstream.requests).toHaveLength(1));
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    expect(await echo.breaker('ping').state()).toBe('closed');
  });

  it('turns an HTML error page into a clean ApiError that counts as a failure', async () => {
    upstream.fail({ type: 'html', status: 502, times: 3 });
    const echo = client();
    const error = (await rejectionOf(echo.ping())) as ApiError;

    expect(isApiError(error)).toBe(true);
    expect(error.status).toBe(502);
    expect(error.vendorMessage).toBe('Bad Gateway (text/html body)');
    expect(error.message).not.toMatch(/<html/i);
    expect(error.requestId).toBe('rq_1');
    expect(await echo.breaker('ping').state()).toBe('open');
  });

  it('rejects truncated JSON on a 200 as ERR_API_RESPONSE, a vendor failure', async () => {
    upstream.fail({ type: 'truncated', times: 3 });
    const echo = client();
    const error = (await rejectionOf(echo.ping())) as ApiError;

    expect(error.code).toBe('ERR_API_RESPONSE');
    expect(error.status).toBe(200);
    expect(error.message).toMatch(/not JSON/);
    expect(upstream.requests).toHaveLength(3);
    expect(await echo.breaker('ping').state()).toBe('open');
  });

  it('rejects a connection reset mid-response as a network error that was sent', async () => {
    upstream.fail({ type: 'reset', times: 3 });
    const error = (await rejectionOf(client().create())) as ApiError;

    expect(error.code).toBe('ERR_API_NETWORK');
    expect(error.sent).toBe(true);
    expect(error.retryable).toBe(false);
    expect(upstream.requests).toHaveLength(1);
  });

  it('rejects a connection closed without an answer as a network error', async () => {
    upstream.fail({ type: 'close' });
    const error = (await rejectionOf(client().create())) as ApiError;

    expect(error.code).toBe('ERR_API_NETWORK');
    expect(error.sent).toBe(true);
    expect(upstream.requests).toHaveLength(1);
  });

  it('reads at most maxResponseBytes of a body', async () => {
    upstream.fail({ type: 'huge', bytes: 8 * 1_048_576 });
    const started = Date.now();
    const error = (await rejectionOf(client({ retry: { attempts: 1 } }).ping())) as ApiError;

    expect(error.code).toBe('ERR_API_RESPONSE');
    expect(error.message).toMatch(/over 1048576 bytes/);
    expect(Date.now() - started).toBeLessThan(5_000);

    upstream.fail({ status: 500, body: { error: { message: 'x'.repeat(5_000) } } });
    const cut = (await rejectionOf(
      client({ retry: { attempts: 1 }, maxResponseBytes: 100 }).ping(),
    )) as ApiError;

    expect(cut.status).toBe(500);
    expect(cut.vendorMessage).toBe('Internal Server Error (application/json body)');
  });
});

describe('ApiClient retries and the breaker', () => {
  it('counts an exhausted retry sequence as one breaker failure', async () => {
    upstream.fail({ status: 503, times: 3 });
    const echo = client({ breaker: { threshold: 2 } });
    const error = (await rejectionOf(echo.ping())) as ApiError;

    expect(error.status).toBe(503);
    expect(error.vendorCode).toBe('E503');
    expect(upstream.requests).toHaveLength(3);
    expect(await echo.breaker('ping').state()).toBe('closed');
    expect(clock.delays).toHaveLength(2);
  });

  it('opens on 503s and then stops requests reaching the server', async () => {
    upstream.fail({ status: 503, times: Infinity });
    const echo = client();
    await rejectionOf(echo.ping());

    expect(upstream.requests).toHaveLength(3);
    expect(log.lines).toEqual([
      'warn breaker echo:ping closed -> open after ApiError: echo:ping: GET /thing answered 503 (E503): Service unavailable',
    ]);

    const refused = await rejectionOf(echo.ping());

    expect(isCircuitOpenError(refused)).toBe(true);
    expect(upstream.requests).toHaveLength(3);
  });

  it('lets a probe through after the cool-off and closes on its success', async () => {
    const time = new FakeClock(Date.now());
    const echo = client({ store: new MemoryStore({ clock: time }), breaker: { coolOff: 30_000 } });
    upstream.fail({ status: 500, times: 3 });
    await rejectionOf(echo.ping());
    time.advance(30_000);

    await expect(echo.ping()).resolves.toEqual({ id: 'thing_1', echo: '/thing' });
    expect(await echo.breaker('ping').state()).toBe('closed');
    expect(log.lines.at(-1)).toBe('info breaker echo:ping half-open -> closed');
  });

  it.each([400, 401, 402, 403, 404, 409, 422])(
    'neither retries nor trips on a %i',
    async (status) => {
      upstream.fail({ status, times: 5 });
      const echo = client();
      for (let call = 0; call < 5; call += 1) {
        const error = (await rejectionOf(echo.ping())) as ApiError;
        expect(error.status).toBe(status);
        expect(error.retryable).toBe(false);
      }

      expect(upstream.requests).toHaveLength(5);
      expect(await echo.breaker('ping').state()).toBe('closed');
      expect(log.lines).toEqual([]);
    },
  );

  it('retries a 429 after its Retry-After and never counts it as a failure', async () => {
    upstream.fail({ status: 429, retryAfter: 2, times: 1 });
    const echo = client();

    await expect(echo.ping()).resolves.toMatchObject({ id: 'thing_1' });
    expect(upstream.requests).toHaveLength(2);
    expect(clock.delays).toEqual([2_000]);

    upstream.fail({ status: 429, times: 3 });
    const error = (await rejectionOf(echo.ping())) as ApiError;

    expect(error.status).toBe(429);
    expect(await echo.breaker('ping').state()).toBe('closed');
  });

  it('reads a Retry-After date and waits until then', async () => {
    upstream.fail({ status: 429, retryAfter: new Date(Date.now() + 3_000).toUTCString() });
    await client().ping();

    expect(clock.delays).toHaveLength(1);
    expect(clock.delays[0]).toBeGreaterThan(1_000);
    expect(clock.delays[0]).toBeLessThanOrEqual(3_000);
  });

  it('gives up at once with the 429 when Retry-After is longer than maxDelay', async () => {
    upstream.fail({ status: 429, retryAfter: 10 });
    const echo = client({ retry: { maxDelay: 5_000 } });
    const error = (await rejectionOf(echo.ping())) as ApiError;

    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(10_000);
    expect(upstream.requests).toHaveLength(1);
    expect(clock.delays).toEqual([]);
    expect(await echo.breaker('ping').state()).toBe('closed');
  });

  it('retries a create whose connection was refused, as it never reached the server', async () => {
    const port = await freePort();
    let later: EchoUpstream | undefined;
    const echo = new EchoClient({
      vendor: 'echo',
      baseUrl: `http://127.0.0.1:${port}`,
      store: new MemoryStore(),
      logger: false,
      clock: {
        now: () => Date.now(),
        // The server comes up during the wait before the second try.
        setTimeout: (callback: () => void) => {
          void new EchoUpstream().start({ port }).then((started) => {
            later = started;
            callback();
          });
          return 0;
        },
        clearTimeout: () => undefined,
      },
    });

    try {
      await expect(echo.create()).resolves.toMatchObject({ id: 'thing_1' });
      expect(later?.requests).toHaveLength(1);
    } finally {
      await later?.close();
    }
  });

  it('reports a refused connection as not sent and retryable', async () => {
    const port = await freePort();
    const echo = client({ baseUrl: `http://127.0.0.1:${port}` });
    const error = (await rejectionOf(echo.create())) as ApiError;

    expect(error.code).toBe('ERR_API_NETWORK');
    expect(error.sent).toBe(false);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/failed before it was sent: connect ECONNREFUSED/);
    expect(clock.delays).toHaveLength(2);
    expect(await echo.breaker('create').state()).toBe('open');
  });

  it('stays quiet with logger: false', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    upstream.fail({ status: 503, times: 3 });
    await rejectionOf(client({ logger: false }).ping());

    expect(warn).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
    warn.mockRestore();
    info.mockRestore();
  });

  it('logs to console by default', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    upstream.fail({ status: 503, times: 3 });
    const echo = new EchoClient({
      vendor: 'echo',
      baseUrl: upstream.url,
      store: new MemoryStore(),
      clock,
    });
    await rejectionOf(echo.ping());

    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^breaker echo:ping closed -> open/));
    warn.mockRestore();
  });
});
