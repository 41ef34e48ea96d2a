/** Exit codes of the `breakwater` command. */
export const exitCodes = Object.freeze({
  ok: 0,
  /** The command ran and failed: an unknown breaker, a missing optional package, a busy port. */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The store could not be reached. */
  unreachable: 3,
});

/** A failure the CLI reports as one line on stderr and an exit code. Never holds a secret. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
