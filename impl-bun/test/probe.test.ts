/**
 * The Bun socket behaviour the server is built on (see src/server.ts), probed under the real Bun
 * runtime by test/bun/probe-sockets.ts. If a Bun upgrade changes one, this names it.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bunPath, repoRoot } from "../../impl-tests/test/harness.js";

describe("Bun 1.4.5 sockets, as the server relies on them", () => {
  it("keeps data buffers, writes short, pauses, half-closes and reports resets as measured", () => {
    const output = execFileSync(bunPath, [join(repoRoot, "impl-bun", "test", "bun", "probe-sockets.ts")], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
    });
    const findings = JSON.parse(output.trim().split("\n").pop() as string) as Record<string, unknown>;
    console.log(`[impl-bun probes] ${JSON.stringify(findings)}`);
    // The core keeps references to received chunks: they must not be reused after `data` returns.
    expect(findings.dataBuffersStable).toBe(true);
    // write() is unbuffered: short once the kernel is full (megabytes on loopback).
    expect(findings.firstShortWrite).toBeGreaterThanOrEqual(0);
    expect(findings.firstShortWrite).toBeLessThan(64 * 1024);
    expect(findings.bytesBeforeShortWrite).toBeGreaterThan(64 * 1024);
    expect(findings.pauseStopsData).toBe(true);
    expect(findings.resumeRestartsData).toBe(true);
    expect(findings.halfOpenEndThenWrite).toBe(true);
    expect(findings.shutdownIsHalfClose).toBe(true);
    expect(findings.resetGivesCloseError).toBe(true);
    expect(findings.resetCalledEnd).toBe(false);
  });
});
