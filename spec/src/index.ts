/**
 * @bridgekeeper/spec: the protocol core and what every part of the project shares, with no I/O
 * (importing it touches no file). Reading table files: `@bridgekeeper/spec/table-file`; the rule
 * index: `@bridgekeeper/spec/rules`; a package's own folder: `@bridgekeeper/spec/package-dir`.
 */
export * from "./address.js";
export * from "./connection.js";
export * from "./constants.js";
export * from "./errors.js";
export * from "./flags.js";
export * from "./limits.js";
export * from "./table.js";
