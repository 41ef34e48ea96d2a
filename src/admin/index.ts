/**
 * Breakwater's operators' view: an HTTP handler with a live page and a JSON API over a breaker
 * store. Imported from `breakwater/admin`; the core entry never loads it.
 *
 * @packageDocumentation
 */
export { createAdminHandler } from './admin-handler.js';
export type { AdminHandler } from './admin-handler.js';
export { adminDefaults } from './admin-options.js';
export type { AdminHandlerOptions, MetricsRegistry } from './admin-options.js';
export type { BreakerView } from './breaker-view.js';
