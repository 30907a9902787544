export { DEFAULT_HOST, ListenError } from "@bridgekeeper/server-kit";
export type { Connection } from "./connection.js";
export { Server, startServer } from "./server.js";
