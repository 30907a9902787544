/** The main's pieces that are not its process: the version line, one-line errors, ListenError. (Exit codes: impl-tests/test/cli.test.ts.) */
import { SPEC_VERSION, TableError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { ListenError, WorkerError } from "../src/errors.js";
import { errorLine, versionLine } from "../src/server-main.js";

describe("versionLine", () => {
  it("names the program, its version, the spec's, and the runtime when given", () => {
    expect(versionLine("launcelot-x", "1.2.3")).toBe(`launcelot-x 1.2.3 (Launcelot spec ${SPEC_VERSION})`);
    expect(versionLine("launcelot-x", "1.2.3", "Bun 9.9.9")).toBe(
      `launcelot-x 1.2.3 (Launcelot spec ${SPEC_VERSION}, Bun 9.9.9)`,
    );
  });
});

describe("errorLine", () => {
  it("is a project error's message, a system error's first line with its code, anything else as text", () => {
    expect(errorLine(new TableError("t.json", "is not valid UTF-8"))).toBe("t.json: is not valid UTF-8");
    const system = Object.assign(new Error("connect failed\n  at somewhere"), { code: "ECONNREFUSED" });
    expect(errorLine(system)).toBe("ECONNREFUSED: connect failed");
    expect(errorLine(Object.assign(new Error("listen EADDRINUSE: in use"), { code: "EADDRINUSE" }))).toBe(
      "listen EADDRINUSE: in use",
    );
    expect(errorLine("plain")).toBe("plain");
  });
});

describe("ListenError", () => {
  it("says where and why in one line, with the code E_LISTEN", () => {
    const cause = Object.assign(new Error("listen EADDRINUSE: address already in use ::1:80"), {
      code: "EADDRINUSE",
    });
    const error = ListenError.from("::1", 80, cause);
    expect(error.message).toBe("cannot listen on [::1]:80: EADDRINUSE");
    expect(error.code).toBe("E_LISTEN");
    expect(error.cause).toBe(cause);
    expect(ListenError.from("h", 1, new Error("Failed to listen\nmore")).message).toBe(
      "cannot listen on h:1: Failed to listen",
    );
    expect(new WorkerError("worker 1 exited (1) before listening").code).toBe("E_WORKER");
  });
});
