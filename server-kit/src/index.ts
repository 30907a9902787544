/**
 * @bridgekeeper/server-kit: what both Launcelot servers share around their sockets, so that each
 * keeps only its socket glue (README.md says what is here and why).
 */
export * from "./command-line.js";
export * from "./descriptor-budget.js";
export * from "./errors.js";
export * from "./idle-clock.js";
export * from "./restart-backoff.js";
export * from "./running-server.js";
export * from "./server-main.js";
export * from "./server-state.js";
export * from "./server-stats.js";
export * from "./signals.js";
export * from "./supervisor.js";
