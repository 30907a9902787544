/** The Bun server's name and version, as `--version` prints them. */
import { SPEC_VERSION } from "@bridgekeeper/spec";

export const PROGRAM = "launcelot-bun";
export const SERVER_VERSION = "0.1.0";

export function versionLine(): string {
  return `${PROGRAM} ${SERVER_VERSION} (Launcelot spec ${SPEC_VERSION}, Bun ${Bun.version})`;
}
