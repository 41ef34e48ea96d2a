/** Starts the admin handler on a real loopback server for a test. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminHandler, type AdminHandlerOptions } from 'breakwater/admin';

export const adminToken = 'test-admin-token-0123456789abcdef';

export interface RunningAdmin {
  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  close(): Promise<void>;
}

export async function startAdmin(
  options: Partial<AdminHandlerOptions> & Pick<AdminHandlerOptions, 'store'>,
  wrap?: (handler: http.RequestListener) => http.RequestListener,
): Promise<RunningAdmin> {
  const handler = createAdminHandler({ token: adminToken, ...options });
  const server = http.createServer(wrap === undefined ? handler : wrap(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const bearer = { authorization: `Bearer ${adminToken}` };

/** Sends a raw request, exactly as written: no URL normalisation, unlike fetch. */
export function rawRequest(
  origin: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: hostname,
        port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
