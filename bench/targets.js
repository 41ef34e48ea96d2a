/**
 * The performance targets, judged from one run's figures. A target whose figures were not taken
 * (a section left out, a server missing) reads as not measured, never as met.
 */

/**
 * @typedef {object} TargetResult
 * @property {string} target what is asked
 * @property {string} measured what this run shows
 * @property {boolean | undefined} met undefined when not measured
 */

/** @typedef {import('./report.js').GuardRow} GuardRow */

/**
 * @param {import('./report.js').Figures} figures
 * @returns {TargetResult[]}
 */
export function judgeTargets(figures) {
  /** @type {TargetResult[]} */
  const results = [];
  const guard = (/** @type {string} */ id) => figures.guards?.find((row) => row.id === id);

  // The in-process targets are judged on CPU time per call. On an idle machine it matches the
  // wall clock; on a busy one it leaves out the time other programs held the cores, which the
  // wall clock charges to whichever case was running. Both are shown.
  const cost = (/** @type {GuardRow} */ row) => row.cpu.median;
  const shown = (/** @type {GuardRow} */ row) => `${ns(row.cpu.median)} (wall ${ns(row.median)})`;

  const bare = guard('bare.bare');
  const success = guard('breakwater.success');
  const opossum = guard('opossum.success');
  const cockatiel = guard('cockatiel.success');
  if (
    bare !== undefined &&
    success !== undefined &&
    opossum !== undefined &&
    cockatiel !== undefined
  ) {
    const peer = cost(opossum) < cost(cockatiel) ? opossum : cockatiel;
    results.push({
      target: 'success path faster than opossum and cockatiel',
      measured: `${shown(success)} vs ${shown(peer)} for the faster peer`,
      met: cost(success) < cost(opossum) && cost(success) < cost(cockatiel),
    });
    results.push({
      target: 'success path within 2x of the bare call',
      measured: `${success.cpuRatio.toFixed(2)}x (wall ${success.ratio.toFixed(2)}x)`,
      met: success.cpuRatio <= 2,
    });
  } else {
    results.push(notMeasured('success path faster than the peers, within 2x of the bare call'));
  }

  const retry = guard('breakwater.retry');
  const peerRetry = guard('cockatiel.retry');
  results.push(
    retry !== undefined && peerRetry !== undefined
      ? {
          target: 'breaker + retry faster than cockatiel retry + breaker',
          measured: `${shown(retry)} vs ${shown(peerRetry)}`,
          met: cost(retry) < cost(peerRetry),
        }
      : notMeasured('breaker + retry faster than cockatiel retry + breaker'),
  );

  const refusal = guard('breakwater.refusal');
  results.push(
    refusal !== undefined
      ? {
          target: 'refusal while open at most 1 µs',
          measured: shown(refusal),
          met: cost(refusal) <= 1_000,
        }
      : notMeasured('refusal while open at most 1 µs'),
  );

  const growth = figures.heap?.growth.find((row) => row.library === 'breakwater');
  results.push(
    growth !== undefined
      ? {
          // Flat: less than one byte kept per call, so under 1 MB per 10^6 calls.
          target: 'heap flat over 10^6 calls (under 1 byte per call kept)',
          measured: `${mb(growth.bytes)} over ${growth.calls.toLocaleString('en-US')} calls`,
          met: growth.bytes < growth.calls,
        }
      : notMeasured('heap flat over 10^6 calls'),
  );

  const idle = figures.heap?.idle;
  results.push(
    idle !== undefined
      ? {
          target: `${idle.breakers.toLocaleString('en-US')} idle breakers, one store, under 5 MB`,
          measured: `${mb(idle.bytes)} (${Math.round(idle.bytes / idle.breakers)} bytes each)`,
          met: idle.breakers >= 10_000 && idle.bytes < 5_000_000,
        }
      : notMeasured('10,000 idle breakers, one store, under 5 MB'),
  );

  const redis = figures.stores?.find((row) => row.store === 'RedisStore');
  const trips = redis?.roundTrips;
  if (trips !== undefined) {
    const wanted = { success: 1, failure: 2, trip: 2, refusal: 1, probe: 2 };
    results.push({
      target: 'Redis round trips 1 / 2 / 1 / 2 (success / failure / refusal / probe; trip 2)',
      measured: trips.map((row) => `${row.path} ${row.perCall}`).join(', '),
      met: trips.every((row) => row.perCall <= wanted[row.path]),
    });
  } else {
    results.push(notMeasured('Redis round trips 1 / 2 / 1 / 2'));
  }

  const busiest = redis?.throughput?.find((row) => row.concurrency === 256);
  results.push(
    busiest !== undefined
      ? {
          target: 'Redis at concurrency 256: at least 80% of the raw EVALSHA floor',
          measured:
            `${Math.round(busiest.ratio * 100)}% (${rate(busiest.store.median)} vs ` +
            `${rate(busiest.floor.median)})` +
            (redis?.storeErrors ? `; ${redis.storeErrors} store errors: figures void` : ''),
          met: busiest.ratio >= 0.8 && !redis?.storeErrors,
        }
      : notMeasured('Redis at concurrency 256: at least 80% of the raw EVALSHA floor'),
  );

  return results;
}

/** @param {string} target */
function notMeasured(target) {
  return { target, measured: 'not measured in this run', met: undefined };
}

/** @param {number} value nanoseconds */
export function ns(value) {
  return value >= 10_000 ? `${(value / 1_000).toFixed(1)} µs` : `${Math.round(value)} ns`;
}

/** @param {number} bytes */
export function mb(bytes) {
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

/** @param {number} perSecond */
export function rate(perSecond) {
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}
