import { createHash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 digest of a secret, so secrets of any length compare in constant time. */
export function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Compares a received secret with a known digest in constant time. */
export function matchesDigest(received: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(received), expected);
}
