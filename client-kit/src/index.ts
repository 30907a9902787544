/** @bridgekeeper/client-kit: the client side of the project's tools (the suite, the behaviour tests, the bench). */
export * from "./bytes.js";
export * from "./prng.js";
export * from "./push.js";
export * from "./questions.js";
export * from "./replies.js";
export * from "./shell.js";
