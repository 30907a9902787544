export { DEFAULT_HOST, ListenError } from "@bridgekeeper/server-kit";
export type { Connection } from "./connection.js";
export { type BunServerOptions, Server, startServer } from "./server.js";
