import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from 'breakwater';
import { DemoScreen } from '../../src/demo/demo-screen.js';
import { demoStory } from '../../src/demo/demo-story.js';
import { runStory, type StoryRecord } from '../../src/demo/run-story.js';
import {
  Terminal,
  ansiEscape,
  connectTo,
  moves,
  openSpells,
  transitionsOf,
} from './demo-harness.js';

const speed = 10;
const twilioBreakers = ['twilio:send_sms', 'twilio:make_call', 'twilio:get_call'];
const stripeBreakers = ['stripe:create_checkout_session', 'stripe:get_customer'];

let record: StoryRecord;
let output = '';
let elapsed = 0;
/** What the admin API said about `twilio:send_sms` while Stripe was rate-limited. */
let adminAnswer: Promise<unknown> | undefined;

function phaseStart(name: string): number {
  const phase = record.phases.find((item) => item.name === name);
  if (phase === undefined) throw new Error(`phase ${name} never started`);
  return phase.at;
}

function askAdmin(url: string, token: string): Promise<unknown> {
  return fetch(new URL('api/breakers/twilio%3Asend_sms', url), {
    headers: { authorization: `Bearer ${token}` },
  }).then((response) => response.json());
}

beforeAll(async () => {
  const started = Date.now();
  let admin: { url: string; token: string } | undefined;
  const screen = new DemoScreen({
    write: (text) => {
      output += text;
      const shown = /admin page: (\S+) {2}\(token: (\S+)\)/.exec(text);
      if (shown?.[1] !== undefined && shown[2] !== undefined) {
        admin = { url: shown[1], token: shown[2] };
      }

      if (text.includes('--- 3/5') && admin !== undefined) {
        adminAnswer = askAdmin(admin.url, admin.token);
      }
    },
  });
  record = await runStory({ screen, speed, store: new MemoryStore() });
  elapsed = Date.now() - started;
});

describe('the story at --speed 10, in one process', () => {
  it('plays every phase in order, in about a tenth of its length', () => {
    expect(record.phases.map((phase) => phase.name)).toEqual(
      demoStory.phases.map((phase) => phase.name),
    );
    const length = demoStory.phases.reduce((sum, phase) => sum + phase.duration, 0);
    expect(elapsed).toBeGreaterThanOrEqual(length / speed);
    // The story itself, plus the last Retry-After wait of Stripe (whole seconds, never scaled).
    expect(elapsed).toBeLessThan(length / speed + 4_000);
    expect(record.stopped).toBe(false);
  });

  it('opens each Twilio breaker in the outage, and closes it with a probe after Twilio heals', () => {
    for (const breaker of twilioBreakers) {
      const transitions = transitionsOf(record.events, breaker);
      const sequence = moves(transitions);
      // Normally exactly these three; on a slow machine a probe may come before Twilio heals,
      // fail, and open the breaker again for another cool-off before a later probe closes it.
      expect(sequence[0], breaker).toBe('closed -> open');
      expect(sequence.slice(-2), breaker).toEqual(['open -> half-open', 'half-open -> closed']);
      expect(new Set(sequence.slice(1, -2)), breaker).toEqual(
        new Set(sequence.length > 3 ? ['open -> half-open', 'half-open -> open'] : []),
      );
      const opened = transitions[0]!;
      const closed = transitions.at(-1)!;
      expect(opened.at).toBeGreaterThanOrEqual(phaseStart('twilio-outage'));
      expect(opened.at).toBeLessThan(phaseStart('stripe-rate-limit'));
      expect(transitions.at(-2)!.at).toBeGreaterThanOrEqual(phaseStart('twilio-recovers'));
      expect(closed.at).toBeLessThan(phaseStart('recovered'));
    }
  });

  it('sends no Twilio request of an operation while its breaker is open', () => {
    for (const breaker of twilioBreakers) {
      const spells = openSpells(transitionsOf(record.events, breaker));
      const sent = record.requests.filter((request) => request.breaker === breaker);
      const whileOpen = sent.filter((request) =>
        spells.some((spell) => request.at > spell.from && request.at < spell.to),
      );
      const refused = record.events.filter(
        (event) =>
          event.type === 'call' && event.breaker === breaker && event.outcome === 'refused',
      );

      expect(spells.length, breaker).toBeGreaterThan(0);
      expect(whileOpen, breaker).toEqual([]);
      expect(refused.length, breaker).toBeGreaterThan(0);
      // The probe and the calls after it reach Twilio again.
      expect(sent.some((request) => request.at >= spells.at(-1)!.to)).toBe(true);
    }
  });

  it('logs one line per Twilio breaker opening, through the clients logger', () => {
    for (const breaker of twilioBreakers) {
      const opening = output
        .split('\n')
        .filter((line) => line.includes(`WARN breaker ${breaker} closed -> open`));
      expect(opening, breaker).toHaveLength(1);
    }

    expect(output).toMatch(/info breaker twilio:send_sms half-open -> closed/);
  });

  it('retries Stripe calls answered 429 after their Retry-After, and opens no Stripe breaker', () => {
    for (const breaker of stripeBreakers) {
      expect(moves(transitionsOf(record.events, breaker)), breaker).toEqual([]);
      const sent = record.requests.filter((request) => request.breaker === breaker);
      const throttled = sent.filter((request) => request.faultStatus === 429);
      expect(throttled.length, breaker).toBeGreaterThan(0);

      for (const request of throttled) {
        // One call of an operation runs at a time, so the next request is this call's retry.
        const next = sent[sent.indexOf(request) + 1];
        expect(next, breaker).toBeDefined();
        expect(next!.at - request.at).toBeGreaterThanOrEqual(950);
        if (request.idempotencyKey !== undefined) {
          expect(next!.idempotencyKey).toBe(request.idempotencyKey);
        }
      }
    }

    const failures = record.events.filter(
      (event) =>
        event.type === 'call' && event.breaker.startsWith('stripe:') && event.outcome !== 'success',
    );
    expect(failures).toEqual([]);
  });

  it('shows the breakers on the admin page while the story plays', async () => {
    expect(await adminAnswer).toMatchObject({ name: 'twilio:send_sms', state: 'open' });
  });

  it('prints plain lines and a final summary when the screen is not a terminal', () => {
    expect(output).not.toMatch(ansiEscape);
    expect(output).toMatch(/--- 1\/5 All healthy/);
    expect(output).toMatch(/the end: breakers now/);
    expect(output).toMatch(/^ {2}twilio:send_sms +closed +\d+ +1 +\d+ /m);
    expect(output).toMatch(/Stripe: \d+ requests? answered 429; .*no Stripe breaker opened\./);
  });

  it('leaves none of its ports open', async () => {
    expect(record.ports).toHaveLength(4);
    for (const port of record.ports) expect(await connectTo(port)).toBe('ECONNREFUSED');
  });
});

describe('the story with --forever in a terminal', () => {
  it('plays again until stopped, then clears its live summary and stops cleanly', async () => {
    const terminal = new Terminal();
    const stop = new AbortController();
    const screen = new DemoScreen({
      write: (text) => {
        terminal.write(text);
        if (text.includes('the story starts again')) setTimeout(() => stop.abort(), 150);
      },
      live: true,
    });
    const record = await runStory({
      screen,
      speed: 20,
      forever: true,
      store: new MemoryStore(),
      signal: stop.signal,
    });

    expect(record.stopped).toBe(true);
    const names = demoStory.phases.map((phase) => phase.name);
    expect(record.phases.map((phase) => phase.name).slice(0, names.length + 1)).toEqual([
      ...names,
      names[0],
    ]);
    // Long runs keep no history.
    expect(record.events).toEqual([]);
    expect(record.requests).toEqual([]);
    // The live block is gone; what stays is the story and the final summary.
    expect(terminal.text).not.toMatch(/^ {2}Ctrl-C stops the demo$/m);
    expect(terminal.text).toMatch(/--- the story starts again \(--forever\)/);
    expect(terminal.text).toMatch(/stopped: breakers now\n {2}breaker +state/);
    for (const port of record.ports) expect(await connectTo(port)).toBe('ECONNREFUSED');
  });
});
