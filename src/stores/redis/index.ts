/**
 * Breaker state shared through Redis or Redis Cluster, for every process and host of a service.
 * Needs the optional peer dependency `ioredis` (5 or 6).
 *
 * @packageDocumentation
 */
export { RedisStore, redisStoreDefaults } from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export { RedisNotReadyError } from './redis-not-ready-error.js';
