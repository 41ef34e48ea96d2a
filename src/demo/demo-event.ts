import type { BreakerEvent, BreakerState, CallEvent, Notifier } from '../breaker/events.js';
import type { Logger } from '../notifiers/logger-notifier.js';

/**
 * What the demo hears from its clients, as plain data that crosses a process boundary: a call a
 * breaker finished, a transition, or a line the clients logged. `worker` names the process that
 * heard it (`''` when the demo runs in one process); `at` is epoch milliseconds.
 */
export type DemoEvent =
  | {
      readonly type: 'call';
      readonly worker: string;
      readonly breaker: string;
      readonly outcome: CallEvent['outcome'];
      readonly fallback: boolean;
      readonly at: number;
    }
  | {
      readonly type: 'transition';
      readonly worker: string;
      readonly breaker: string;
      readonly from: BreakerState;
      readonly to: BreakerState;
      readonly at: number;
    }
  | {
      readonly type: 'log';
      readonly worker: string;
      readonly level: 'warn' | 'info';
      readonly line: string;
      readonly at: number;
    };

/**
 * A notifier for the clients' breakers that hands their calls and transitions on as demo
 * events.
 */
export function demoNotifier(worker: string, emit: (event: DemoEvent) => void): Notifier {
  return {
    notify(event: BreakerEvent): void {
      if (event.type === 'call') {
        const { breaker, outcome, fallback } = event;
        emit({ type: 'call', worker, breaker, outcome, fallback, at: event.at.getTime() });
      } else if (event.type === 'transition') {
        const { breaker, from, to } = event;
        emit({ type: 'transition', worker, breaker, from, to, at: event.at.getTime() });
      }
    },
  };
}

/** Twilio's account path, which makes a log line long without telling the reader anything. */
const twilioAccountPath = /\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\//g;

/**
 * The clients' logger: each line becomes a demo event, printed by whoever runs the story. The
 * Twilio account path in a line is shortened to `.../`, to keep lines short on screen.
 */
export function demoLogger(worker: string, emit: (event: DemoEvent) => void): Logger {
  const log =
    (level: 'warn' | 'info') =>
    (line: string): void => {
      const short = line.replace(twilioAccountPath, '.../');
      emit({ type: 'log', worker, level, line: short, at: Date.now() });
    };
  return { warn: log('warn'), info: log('info') };
}
