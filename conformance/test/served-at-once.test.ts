/**
 * Before the cases the run holds 8 connections open at once. A server that serves a bounded number
 * of clients at a time leaves some unanswered for the whole progress wait, and answers one once the
 * answered ones close: the report's header says so, the cases decide a missing reply after the
 * quiet floor, and their FAIR-1 failures are not replayed. A correct server is judged with the full
 * waits.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderPretty } from "../src/render.js";
import { runConformance } from "../src/runner.js";

const python = resolve(import.meta.dirname, "servers", "python");
const target = (file: string, flags = ""): string =>
  `exec:exec python3 ${python}/${file} --port {port}${flags ? ` ${flags}` : ""}`;

describe("the run's probe of connections served at once", () => {
  it("sees an iterative server answer one of 8, and its cases wait the quiet floor", async () => {
    const report = await runConformance({ target: target("one_at_a_time.py"), only: ["flow.slow-reader"] });
    expect(report.servedAtOnce).toMatchObject({ answered: 1, held: 8, waitedMs: report.waits?.waitMs });
    expect(report.servedAtOnce?.missingWaitMs).toBe(report.waits?.floorMs);
    const [slowReader] = report.cases;
    expect(slowReader?.verdict).toBe("fail");
    expect(slowReader?.violatedRule).toBe("FAIR-1");
    expect(slowReader?.message).toContain(
      `no further byte for ${((report.waits?.floorMs ?? 0) / 1000).toFixed(1)} s`,
    );
    expect(slowReader?.replayNote).toMatch(/^not replayed: the fault the run saw before the cases/);
    expect(slowReader?.reproduced).toBeUndefined();
    expect(renderPretty(report)).toMatch(
      /served {3}1 of 8 connections held open at once were answered; the others got no reply for 5\.0 s/,
    );
  }, 120_000);

  it("sees a pool of 4 workers answer 4 of 8", async () => {
    const report = await runConformance({
      target: target("worker_pool.py", "--idle-timeout 10"),
      limits: { idleTimeoutSec: 10 },
      only: ["reply.lockstep"],
    });
    expect(report.servedAtOnce).toMatchObject({ answered: 4, held: 8 });
    expect(report.cases[0]?.verdict).toBe("pass");
  }, 120_000);

  it("leaves a correct server's waits as they are", async () => {
    const report = await runConformance({ target: target("correct.py"), only: ["reply.lockstep"] });
    expect(report.servedAtOnce).toBeUndefined();
    expect(renderPretty(report)).not.toContain("served   ");
    expect(report.cases[0]?.verdict).toBe("pass");
  }, 120_000);
});
