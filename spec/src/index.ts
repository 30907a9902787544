export * from "./connection.js";
export * from "./constants.js";
export * from "./errors.js";
export * from "./limits.js";
export * from "./paths.js";
export * from "./rules.js";
export * from "./server-interface.js";
export * from "./table.js";
