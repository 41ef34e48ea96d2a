import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { faultType, type Fault, type FaultType, type ScriptedFault } from './fault.js';

/** One request that reached a fake upstream. */
export interface RecordedRequest {
  readonly method: string;
  /** The path as received, query string included. */
  readonly url: string;
  /** The path without its query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body. */
  readonly body: string;
  /** The body read as a form, for form-encoded requests. */
  readonly form: URLSearchParams | undefined;
  /** The body parsed as JSON, for JSON requests (`undefined` when it is not valid JSON). */
  readonly json: unknown;
  /** The fault that answered it, if any. */
  readonly fault: FaultType | undefined;
  /** When it arrived, in milliseconds since the epoch. */
  readonly at: number;
}

/** A normal answer of a fake upstream. */
export interface Reply {
  readonly status: number;
  /** A body sent as JSON. */
  readonly body?: unknown;
  /** A body sent as it is, with its own `Content-Type` in `headers`; wins over `body`. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options every fake upstream takes. */
export interface FakeUpstreamOptions {
  /**
   * The port to listen on; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Milliseconds added before every normal answer, to look like a distant service.
   * @default 0
   */
  readonly latency?: number;
}

/** The biggest request body a fake reads; larger ones get a 413. */
const maxRequestBytes = 1_048_576;

/**
 * A real HTTP server on loopback that plays a vendor's API, records every request that reaches
 * it, and misbehaves on demand. Subclasses supply the routes and the vendor's error shape.
 */
export abstract class FakeUpstream {
  /** The vendor it plays, e.g. `stripe`. */
  abstract readonly vendor: string;
  readonly #server: Server;
  readonly #latency: number;
  readonly #requests: RecordedRequest[] = [];
  readonly #faults: { fault: ScriptedFault; left: number }[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #port = 0;

  protected constructor(options: FakeUpstreamOptions = {}) {
    this.#latency = options.latency ?? 0;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
    this.#server.keepAliveTimeout = 1_000;
  }

  /** Starts listening; resolves once the port is bound. */
  protected async listen(options: FakeUpstreamOptions): Promise<this> {
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    return this;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#port;
  }

  /** Its origin, e.g. `http://127.0.0.1:53124`: give it to a client as `baseUrl`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Every request that reached it, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /**
   * Scripts a fault for the next matching requests, after those already scripted.
   *
   * @example
   * ```ts
   * vapi.fail({ status: 503, times: 3 });
   * twilio.fail({ type: 'hang', path: 'Messages.json' });
   * stripe.fail({ status: 429, retryAfter: 1 });
   * ```
   */
  fail(fault: ScriptedFault): this {
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new RangeError(`times must be positive, received ${String(times)}`);
    this.#faults.push({ fault, left: times });
    return this;
  }

  /** Forgets every scripted fault. */
  heal(): this {
    this.#faults.length = 0;
    return this;
  }

  /** Forgets the request log. */
  clearRequests(): this {
    this.#requests.length = 0;
    return this;
  }

  /** Stops listening and cuts every open connection, hanging ones included. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeAllConnections();
    await closed;
  }

  /** The normal answer to a request. */
  protected abstract route(request: RecordedRequest): Reply | Promise<Reply>;

  /** The vendor's error body for a status, e.g. Stripe's `{error: {...}}`. */
  protected abstract errorBody(status: number, message: string): unknown;

  /** Headers of every answer, e.g. a request id. */
  protected abstract answerHeaders(): Record<string, string>;

  /** A vendor-shaped error answer. */
  protected error(status: number, message: string): Reply {
    return { status, body: this.errorBody(status, message) };
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readRequestBody(request);
    if (body === undefined) {
      response.writeHead(413, { Connection: 'close' }).end();
      return;
    }

    const target = new URL(request.url ?? '/', 'http://fake');
    const headers = flattenHeaders(request);
    const method = request.method ?? 'GET';
    const fault = this.#takeFault(method, target.pathname);
    const type = headers['content-type'] ?? '';
    const recorded: RecordedRequest = Object.freeze({
      method,
      url: request.url ?? '/',
      path: target.pathname,
      query: target.searchParams,
      headers,
      body,
      form: type.startsWith('application/x-www-form-urlencoded')
        ? new URLSearchParams(body)
        : undefined,
      json: type.startsWith('application/json') ? parseJson(body) : undefined,
      fault: fault === undefined ? undefined : faultType(fault),
      at: Date.now(),
    });
    this.#requests.push(recorded);

    if (fault !== undefined) {
      await this.#misbehave(fault, recorded, response);
      return;
    }

    if (this.#latency > 0) await this.#sleep(this.#latency);
    this.#send(response, await this.route(recorded));
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex(({ fault }) => matches(fault, method, path));
    if (index === -1) return undefined;

    const entry = this.#faults[index];
    if (entry === undefined) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) this.#faults.splice(index, 1);
    return entry.fault;
  }

  async #misbehave(
    fault: Fault,
    request: RecordedRequest,
    response: ServerResponse,
  ): Promise<void> {
    switch (fault.type) {
      case undefined:
      case 'status': {
        const headers: Record<string, string> = { ...fault.headers };
        if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
        const body =
          fault.body ??
          this.errorBody(
            fault.status,
            fault.status === 429 ? 'Too many requests' : 'Service unavailable',
          );
        this.#send(response, { status: fault.status, body, headers });
        return;
      }

      case 'html': {
        const page =
          '<!DOCTYPE html><html><head>' +
          `<title>${fault.status ?? 502} Bad Gateway</title></head>` +
          '<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>';
        response.writeHead(fault.status ?? 502, {
          ...this.answerHeaders(),
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': String(Buffer.byteLength(page)),
        });
        response.end(page);
        return;
      }

      case 'truncated': {
        const text = '{"id":"obj_123","object":"thing","sta';
        response.writeHead(fault.status ?? 200, {
          ...this.answerHeaders(),
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(text)),
        });
        response.end(text);
        return;
      }

      case 'slow': {
        const reply = await this.route(request);
        await this.#sleep(fault.delay);
        if (!response.destroyed) this.#send(response, reply);
        return;
      }

      case 'hang':
        return;

      case 'reset': {
        response.writeHead(200, {
          ...this.answerHeaders(),
          'Content-Type': 'application/json',
          'Content-Length': '4096',
        });
        response.write('{"id":"obj_123","object":"thing","items":[');
        await this.#sleep(5);
        response.socket?.destroy();
        return;
      }

      case 'close':
        response.socket?.destroy();
        return;

      case 'huge':
        await this.#stream(response, fault.bytes);
        return;
    }
  }

  async #stream(response: ServerResponse, bytes: number): Promise<void> {
    const head = '{"data":"';
    const tail = '"}';
    const fill = Math.max(0, bytes - head.length - tail.length);
    response.writeHead(200, {
      ...this.answerHeaders(),
      'Content-Type': 'application/json',
      'Content-Length': String(head.length + fill + tail.length),
    });
    response.write(head);
    const chunk = 'x'.repeat(65_536);
    let left = fill;
    while (left > 0 && !response.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
      left -= piece.length;
      if (!response.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            response.off('drain', done);
            response.off('close', done);
            resolve();
          };
          response.on('drain', done);
          response.on('close', done);
        });
      }
    }

    if (!response.destroyed) response.end(tail);
  }

  #send(response: ServerResponse, reply: Reply): void {
    const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    response.writeHead(reply.status, {
      ...this.answerHeaders(),
      ...(text === '' || reply.text !== undefined
        ? {}
        : { 'Content-Type': 'application/json; charset=utf-8' }),
      'Content-Length': String(Buffer.byteLength(text)),
      ...reply.headers,
    });
    response.end(text);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

function matches(fault: ScriptedFault, method: string, path: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  if (typeof fault.path === 'string') return path === fault.path || path.endsWith(fault.path);
  return fault.path.test(path);
}

function flattenHeaders(request: IncomingMessage): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }

  return Object.freeze(headers);
}

async function readRequestBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > maxRequestBytes) return undefined;
    chunks.push(buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
