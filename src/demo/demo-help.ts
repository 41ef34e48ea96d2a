/** The text `npm start -- --help` prints. */
export const demoHelp = `Usage: npm start -- [options]
       node dist/demo/main.js [options]

Plays a short story against fake Vapi, Twilio and Stripe servers on loopback, through the real
clients: all healthy; Twilio fails and its breakers open; Stripe rate-limits and the client
backs off without opening; Twilio recovers and a probe closes the breakers. About 20 seconds.
The admin page's address and a throwaway token are printed first, to watch it in a browser.

Options:
  --speed N      play N times faster (phases, traffic, cool-offs and backoff divided by N;
                 Retry-After waits stay whole seconds); N from 0.1 to 50, default 1
  --forever      play the story again and again until Ctrl-C
  --redis URL    run the calls in two worker processes sharing breakers in Redis at URL,
                 e.g. redis://127.0.0.1:6379; the run's keys are deleted at the end
  --plain        print plain lines even in a terminal (no live summary, no colour);
                 also when stdout is not a terminal, and NO_COLOR turns colour off
  -h, --help     print this help

Exit codes: 0 when the story ends or Ctrl-C / SIGTERM stops it cleanly, 1 when Redis or a
worker fails, 2 for a bad option.
`;
