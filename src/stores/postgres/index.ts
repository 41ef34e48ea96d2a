/**
 * Breaker state in PostgreSQL, shared by every process and host: `breakwater/postgres`.
 * Needs the `pg` package (an optional peer dependency) and PostgreSQL 13 or later.
 *
 * @packageDocumentation
 */
export { PostgresStore, postgresStoreDefaults } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
