/**
 * `npm start`: a short scripted story of one breaker opening on an outage and closing again when
 * the dependency recovers, printed to the terminal.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { CircuitBreaker, isCircuitOpenError, loggerNotifier, MemoryStore } from '../index.js';

const log = {
  info: (line: string) => console.log(`  log  ${line}`),
  warn: (line: string) => console.log(`  WARN ${line}`),
};

let healthy = true;
let requests = 0;

async function sendSms(): Promise<string> {
  requests += 1;
  await wait(5);
  if (!healthy) throw new Error('Twilio 503 Service Unavailable');
  return `SM${String(requests).padStart(4, '0')}`;
}

const breaker = new CircuitBreaker('twilio:send_sms', {
  threshold: 2,
  coolOff: 1_000,
  store: new MemoryStore(),
  notifiers: [loggerNotifier(log)],
});

async function send(step: string): Promise<void> {
  const before = requests;
  try {
    const sid = await breaker.run(sendSms);
    console.log(`${step}: sent ${sid}`);
  } catch (error) {
    const reached = requests > before ? 'reached Twilio' : 'never left this process';
    const what = isCircuitOpenError(error) ? 'refused at once' : (error as Error).message;
    console.log(`${step}: ${what} (the request ${reached})`);
  }
}

console.log('Breakwater: one breaker, an outage and a recovery\n');
await send('1 healthy      ');
healthy = false;
await send('2 outage       ');
await send('3 outage       ');
await send('4 breaker open ');
await send('5 breaker open ');
console.log('   ... the cool-off passes (1 s) and Twilio recovers ...');
await wait(1_050);
healthy = true;
await send('6 probe        ');
await send('7 healthy      ');
console.log(
  `\n${requests} requests reached Twilio for 7 calls; the state is ${await breaker.state()}.`,
);
