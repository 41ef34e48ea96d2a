/**
 * An error the admin handler answers with a JSON body `{ error: { code, message } }`. Its message
 * is shown to the client, so it never holds a secret.
 */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** A stable, machine-readable identifier, e.g. `ERR_NOT_FOUND`. */
  readonly code: string;
  /** Extra response headers, e.g. `Allow` for a 405. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}
