export { DEFAULT_HOST, startServer } from "./server.js";
export { PROGRAM_NAME, SERVER_VERSION } from "./version.js";
