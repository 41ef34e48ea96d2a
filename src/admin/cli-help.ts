const storeOptions = `Store (one of):
  --redis URL         Redis, e.g. redis://127.0.0.1:6379 (default: $REDIS_URL)
  --prefix PREFIX     the RedisStore key prefix (default: breakwater)
  --postgres URL      PostgreSQL, e.g. postgres://user@host/db (default: $DATABASE_URL)
  --table NAME        the PostgresStore table (default: breakwater_breakers)`;

/** Help text of each command, and of the command itself under `''`. */
export const helpTexts: Readonly<Record<string, string>> = {
  '': `Usage: breakwater <command> [options]

See and steer the circuit breakers kept in a shared Redis or PostgreSQL store.

Commands:
  status [NAME...]        a table of every breaker (or of the ones named)
  lock NAME open|closed   force a breaker open or closed for every process, until unlocked
  unlock NAME             let a breaker's own rules decide its state again
  serve                   serve the admin page and JSON API

${storeOptions}

Options:
  --json              machine-readable output
  -h, --help          help for a command: breakwater <command> --help

Exit codes: 0 done, 1 failed, 2 wrong usage, 3 store unreachable.`,
  status: `Usage: breakwater status [NAME...] [--json] [store]

Shows every breaker the store knows, open ones first: state, lock, failures counted, the last
error and when the next probe is due. With names, shows only those (exit 1 if one is unknown).

${storeOptions}

  --json              print a JSON array of breakers instead of a table`,
  lock: `Usage: breakwater lock NAME open|closed [--force] [--json] [store]

Forces the breaker NAME open (every call refused) or closed (every call let through) in every
process that shares the store, until "breakwater unlock NAME".

${storeOptions}

  --force             lock a breaker the store has not seen yet (before its first call)
  --json              print the breaker as JSON after the change`,
  unlock: `Usage: breakwater unlock NAME [--json] [store]

Removes an operator's lock: the breaker's trip and recovery rules decide its state again.

${storeOptions}

  --json              print the breaker as JSON after the change`,
  serve:
    'Usage: breakwater serve [--port N] [--host ADDRESS] ' +
    '[--token-file PATH] [--read-only] [store]' +
    `

Serves the admin page and JSON API. Every request needs the admin token: as
"Authorization: Bearer <token>", or typed once into the page's login form.

  --port N            the port to listen on (default: 9400; 0 picks a free one)
  --host ADDRESS      the address to listen on (default: 127.0.0.1)
  --token-file PATH   read the token from this file (default: $BREAKWATER_ADMIN_TOKEN)
  --read-only         show breakers, refuse every lock and unlock

${storeOptions}

Stop it with Ctrl+C (SIGINT) or SIGTERM.`,
};
