/** A response body read up to a limit. */
export interface BodyText {
  readonly text: string;
  /** True when the body was longer than the limit and the rest was discarded. */
  readonly truncated: boolean;
}

/**
 * Reads a response body as UTF-8 text, at most `limit` bytes of it, so a huge or endless body
 * cannot exhaust memory. The rest is discarded and the stream cancelled. Rejects when the stream
 * fails (the connection was reset, or the request's signal aborted).
 */
export async function readBody(response: Response, limit: number): Promise<BodyText> {
  const stream = response.body;
  if (stream === null) return { text: '', truncated: false };

  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;

    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }

    chunks.push(value);
    size += value.byteLength;
  }

  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }

  return { text: new TextDecoder('utf-8').decode(bytes), truncated };
}
