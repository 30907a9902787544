export type { ConnectionState } from "./connection-state.js";
export { type BunServerOptions, ListenError, startServer } from "./server.js";
export { PROGRAM, SERVER_VERSION, versionLine } from "./version.js";
