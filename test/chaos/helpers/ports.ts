/**
 * Free loopback ports for private servers. Other test runs on this host start servers too, so a
 * port found free may be taken before a server binds it: {@link onFreePorts} then tries others.
 */
import { freePorts } from '../../integration/helpers/redis-server.js';

// The same search for free ports as the integration tests' private servers.
export { freePorts };

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
