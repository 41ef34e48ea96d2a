import type { Admission, RecordResult } from './store.js';

/*
 * The answers every store gives the same way, frozen so each call can hand out one object rather
 * than build a new one on the hot path.
 */

/** A closed breaker with nothing counted: the call goes, and its success needs no write. */
export const admitClosed: Admission = Object.freeze({
  state: 'closed',
  admitted: true,
  probe: false,
  recordSuccess: false,
});

/** A closed breaker with something counted: the call goes, and its success must be recorded. */
export const admitClosedRecording: Admission = Object.freeze({
  state: 'closed',
  admitted: true,
  probe: false,
  recordSuccess: true,
});

/** A breaker an operator locked closed: the call goes, and its outcome is still recorded. */
export const admitLockedClosed: Admission = Object.freeze({
  state: 'closed',
  admitted: true,
  probe: false,
  locked: 'closed',
  recordSuccess: true,
});

/** A breaker an operator locked open: the call is refused, with no time of a next probe. */
export const refuseLockedOpen: Admission = Object.freeze({
  state: 'open',
  admitted: false,
  probe: false,
  locked: 'open',
  recordSuccess: false,
});

/** A record that made no transition. */
export const nothing: RecordResult = Object.freeze({});
