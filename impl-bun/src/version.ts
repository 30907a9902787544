/** The Bun server's name and version, as `--version` prints them. */
import { SPEC_VERSION } from "@bridgekeeper/spec";
import { packageVersion } from "@bridgekeeper/spec/package-dir";

export const PROGRAM = "launcelot-bun";
export const SERVER_VERSION: string = packageVersion(import.meta.url);

export function versionLine(): string {
  return `${PROGRAM} ${SERVER_VERSION} (Launcelot spec ${SPEC_VERSION}, Bun ${Bun.version})`;
}
