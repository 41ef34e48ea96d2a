/**
 * Free loopback ports for private servers. Other test runs on this host start servers too, so a
 * port found free may be taken before a server binds it: {@link onFreePorts} then tries others.
 */
import net from 'node:net';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` free loopback ports from `from` on; with `clusterBus`, port + 10000 is free too. */
export async function freePorts(
  count: number,
  from: number,
  clusterBus = false,
): Promise<number[]> {
  const ports: number[] = [];
  for (let port = from; ports.length < count && port < from + 1_000; port += 1) {
    if (!(await portFree(port))) continue;
    if (clusterBus && !(await portFree(port + 10_000))) continue;
    ports.push(port);
  }

  if (ports.length < count) throw new Error(`no ${count} free ports from ${from}`);
  return ports;
}

/** The port was taken by another process between the check and the start. */
export class PortTakenError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken by another process`);
    this.name = 'PortTakenError';
  }
}

/**
 * Runs `start` with `count` free ports from a random point of [from, from + 400), trying other
 * ports when one was taken meanwhile (other test runs start servers on this host too).
 */
export async function onFreePorts<T>(
  count: number,
  from: number,
  start: (ports: number[]) => Promise<T>,
  clusterBus = false,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const ports = await freePorts(count, from + Math.floor(Math.random() * 400), clusterBus);
    try {
      return await start(ports);
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}
