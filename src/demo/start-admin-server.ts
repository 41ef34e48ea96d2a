import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminHandler } from '../admin/index.js';
import type { BreakerStore } from '../stores/store.js';

/** The admin page of one demo run. */
export interface AdminServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  /** A throwaway token made for this run, shown so the page can be opened. */
  readonly token: string;
  /** Stops listening and cuts open connections (a browser's keep-alive ones included). */
  close(): Promise<void>;
}

/**
 * Serves the admin page over `store` on 127.0.0.1, on a free port, behind a fresh random token.
 * The page polls every second, so the story can be followed there as it plays.
 */
export async function startAdminServer(store: BreakerStore, title: string): Promise<AdminServer> {
  const token = randomBytes(18).toString('base64url');
  const handler = createAdminHandler({ store, token, title, refreshInterval: 1_000 });
  const server = createServer((request, response) => {
    handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    token,
    close: async () => {
      const closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
      server.closeAllConnections();
      await closed;
    },
  };
}
