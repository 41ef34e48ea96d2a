/**
 * HTTP requests written byte for byte on a socket: no URL normalisation, no header checks, any
 * body framing. The answer is read until the server closes the connection.
 */
import net from 'node:net';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  readonly status: number;
  /** The status line and headers, as sent. */
  readonly head: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawRequest {
  readonly method?: string;
  /** The request target exactly as it goes on the wire. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent with its Content-Length, unless `chunks` is given. */
  readonly body?: string | Buffer;
  /** Sent chunked (Transfer-Encoding), one chunk each, as fast as the socket takes them. */
  readonly chunks?: Iterable<Buffer>;
}

/** Sends one request on a new connection to 127.0.0.1:`port` and reads the whole answer. */
export function rawRequest(port: number, request: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (data: Buffer) => received.push(data));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server that answers early (413) and closes may reset what we were still sending.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return;
      reject(error);
    });
    socket.on('close', () => {
      resolve(parse(Buffer.concat(received).toString('latin1')));
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));

    socket.once('connect', () => {
      const lines = [`${request.method ?? 'GET'} ${request.path} HTTP/1.1`, 'Host: 127.0.0.1'];
      for (const [name, value] of Object.entries(request.headers ?? {}))
        lines.push(`${name}: ${value}`);
      lines.push('Connection: close');
      if (request.chunks !== undefined) {
        lines.push('Transfer-Encoding: chunked', '', '');
        socket.write(lines.join('\r\n'));
        void writeChunks(socket, request.chunks);
        return;
      }

      const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
      if (request.body !== undefined && !hasHeader(request, 'content-length')) {
        lines.push(`Content-Length: ${body.length}`);
      }

      lines.push('', '');
      socket.write(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
    });
  });
}

async function writeChunks(socket: net.Socket, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed || socket.writableEnded) return;
    const more =
      socket.write(`${chunk.length.toString(16)}\r\n`) &&
      socket.write(Buffer.concat([chunk, Buffer.from('\r\n')]));
    if (!more) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
  }

  if (!socket.destroyed) socket.write('0\r\n\r\n');
}

function hasHeader(request: RawRequest, name: string): boolean {
  return Object.keys(request.headers ?? {}).some((key) => key.toLowerCase() === name);
}

function parse(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, head: text, headers: {}, body: '' };

  const head = text.slice(0, end);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }

  let body = text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return {
    status: Number(statusLine.split(' ')[1] ?? 0),
    head,
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
  };
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return out;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
