/** The server's name and version (from impl-node/package.json). */
import { packageVersion } from "@bridgekeeper/spec/package-dir";

export const SERVER_VERSION: string = packageVersion(import.meta.url);
export const PROGRAM_NAME = "launcelot-node";
