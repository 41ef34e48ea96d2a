/**
 * A TCP proxy on loopback between a pool and the shared PostgreSQL server, so a test can cut or
 * stall the database for its own pool without touching the server other tests use. It also
 * counts round trips on the wire: each simple `Query` and each extended-protocol `Sync` the
 * clients send is one.
 */
import net from 'node:net';
import { databaseUrl } from '../../helpers/services.js';

type Mode = 'forward' | 'cut' | 'stall';

interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket | undefined;
  /** Bytes went missing while stalled, so the link can never carry the protocol again. */
  broken: boolean;
}

export class PostgresProxy {
  readonly #server: net.Server;
  readonly #links = new Set<Link>();
  #mode: Mode = 'forward';
  #roundTrips = 0;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /** Starts a proxy to the server at DATABASE_URL on a free loopback port. */
  static async start(): Promise<PostgresProxy> {
    const target = new URL(databaseUrl);
    const server = net.createServer();
    const proxy = new PostgresProxy(server);
    server.on('connection', (client) => {
      proxy.#accept(client, target.hostname, Number(target.port || 5432));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** `Query` and `Sync` messages the clients sent through the proxy so far. */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.#links.size;
  }

  /** Drops every connection and resets each new one at once, as a dead server would. */
  cut(): void {
    this.#mode = 'cut';
    for (const link of this.#links) this.#close(link);
  }

  /** Stops forwarding in both directions and accepts new connections without answering them. */
  stall(): void {
    this.#mode = 'stall';
  }

  /** Forwards again; connections that lost bytes while stalled are dropped. */
  restore(): void {
    this.#mode = 'forward';
    for (const link of this.#links) if (link.broken) this.#close(link);
  }

  async close(): Promise<void> {
    for (const link of this.#links) this.#close(link);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket, host: string, port: number): void {
    client.on('error', () => undefined);
    if (this.#mode === 'cut') {
      client.destroy();
      return;
    }

    if (this.#mode === 'stall') {
      const link: Link = { client, upstream: undefined, broken: true };
      this.#links.add(link);
      client.on('close', () => this.#links.delete(link));
      client.on('data', () => undefined);
      return;
    }

    const upstream = net.connect({ host, port });
    const link: Link = { client, upstream, broken: false };
    this.#links.add(link);
    upstream.on('error', () => undefined);
    const counter = messageCounter((count) => {
      this.#roundTrips += count;
    });
    client.on('data', (chunk: Buffer) => {
      if (this.#mode !== 'forward') {
        link.broken = true;
        return;
      }

      counter(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.#mode !== 'forward') {
        link.broken = true;
        return;
      }

      client.write(chunk);
    });
    const close = (): void => this.#close(link);
    client.on('close', close);
    upstream.on('close', close);
  }

  #close(link: Link): void {
    this.#links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  }
}

/**
 * Reads the frontend protocol: one untyped startup message, then messages of a type byte and a
 * length. Calls `onCount` with the number of `Q` and `S` messages in each chunk.
 */
function messageCounter(onCount: (count: number) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let started = false;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    let count = 0;
    for (;;) {
      if (!started) {
        if (pending.length < 4) break;
        const length = pending.readInt32BE(0);
        if (pending.length < length) break;
        pending = pending.subarray(length);
        started = true;
        continue;
      }

      if (pending.length < 5) break;
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) break;
      const type = String.fromCharCode(pending[0]!);
      if (type === 'Q' || type === 'S') count += 1;
      pending = pending.subarray(1 + length);
    }

    if (count > 0) onCount(count);
  };
}
