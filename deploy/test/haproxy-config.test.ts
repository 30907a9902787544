import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { LimitError, UsageError } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { describe, expect, it } from "vitest";
import { backendNames, parseBackends } from "../src/backends.js";
import { DescriptorLimitError } from "../src/errors.js";
import { type ConfigInput, checkDirectives, checkEntry, renderConfig } from "../src/haproxy-config.js";
import { parseServerStates, parseSessionServers } from "../src/haproxy-stats.js";
import { checkDescriptors, proxySettings } from "../src/proxy-settings.js";
import { haproxyBinary, needsHaproxy, skipReason } from "./support.js";

const tablesDir = fileURLToPath(new URL("../../fixtures/tables/", import.meta.url));

const run = promisify(execFile);
const limits = { idleTimeoutSec: 10, maxConnections: 256, shutdownTimeoutSec: 10 };

async function input(tableName = "canonical"): Promise<ConfigInput> {
  const table = await loadTableFile(join(tablesDir, `${tableName}.json`));
  return {
    bindHost: "127.0.0.1",
    bindPort: 1060,
    statsSocket: join(tmpdir(), "launcelot-test.sock"),
    settings: proxySettings(limits),
    check: checkEntry(table),
    servers: [
      { name: "node1", host: "127.0.0.1", port: 7001, maxConnections: 257 },
      { name: "bun1", host: "::1", port: 7002, maxConnections: 257 },
    ],
  };
}

describe("proxy settings derived from the spec's limits", () => {
  it("keeps every inactivity timeout at I + 2 s: not below I (IDLE-1), within IDLE-2's 5 s grace", () => {
    for (const idle of [10, 10.5, 60, 600]) {
      const s = proxySettings({ ...limits, idleTimeoutSec: idle });
      expect(s.proxyTimeoutMs).toBeGreaterThanOrEqual(idle * 1000);
      expect(s.proxyTimeoutMs - idle * 1000).toBeLessThanOrEqual(2000);
    }
  });

  it("caps the frontend at C, accepts a little above it to close the excess, and gives each backend C + 1", () => {
    const s = proxySettings(limits);
    expect(s.frontendMaxconn).toBeGreaterThan(256);
    expect(s.globalMaxconn).toBeGreaterThanOrEqual(s.frontendMaxconn);
    expect(s.backendMaxConnections).toBe(257);
  });

  it("refuses limits outside the spec's ranges with the flag's name", () => {
    expect(() => proxySettings({ ...limits, idleTimeoutSec: 5 })).toThrow(LimitError);
    expect(() => proxySettings({ ...limits, maxConnections: 100 })).toThrow(/--max-connections/);
  });

  it("refuses a C that HAProxy could not open descriptors for, before starting it", () => {
    const big = proxySettings({ ...limits, maxConnections: 10_000 });
    expect(() => checkDescriptors(big, 2, 20_000)).toThrow(DescriptorLimitError);
    expect(() => checkDescriptors(proxySettings(limits), 2, 20_000)).not.toThrow();
  });
});

describe("the rendered haproxy.cfg", () => {
  it("fills every placeholder: Launcelot health check, C enforced at the frontend, one line per server", async () => {
    const text = renderConfig(await input());
    expect(text).not.toMatch(/\{\{/);
    expect(text).toContain('tcp-check send "What is your name?"');
    expect(text).toContain('tcp-check expect string "My name is Sir Lancelot of Camelot."');
    expect(text).toContain("tcp-request content reject if { fe_conn gt 256 }");
    expect(text).toContain("balance leastconn");
    expect(text).toMatch(/timeout tunnel 12s/);
    expect(text).toContain("server node1 127.0.0.1:7001 check maxconn 256");
    expect(text).toContain("server bun1 ipv6@::1:7002 check maxconn 256");
  });

  it("asks a question that is not plain ASCII in hex, and the first short answer of a table", async () => {
    const utf8 = await input("utf8");
    const { send, expect: expectLine } = checkDirectives(utf8.check);
    expect(send).toBe(`send-binary ${Buffer.from(utf8.check.question).toString("hex")}`);
    expect(expectLine).toBe(`binary ${Buffer.from(utf8.check.answer).toString("hex")}`);
    const large = checkEntry(await loadTableFile(join(tablesDir, "large-answers.json")));
    expect(large.questionText).toBe("Short?");
  });

  it("refuses a template with an unknown placeholder, and a cluster without servers", async () => {
    const base = await input();
    expect(() => renderConfig(base, "{{bind}} {{nope}}")).toThrow(UsageError);
    expect(() => renderConfig({ ...base, servers: [] })).toThrow(/at least one backend/);
  });

  it.skipIf(skipReason !== null)(needsHaproxy("is accepted by haproxy -c"), async () => {
    const dir = await mkdtemp(join(tmpdir(), "launcelot-test-"));
    try {
      const path = join(dir, "haproxy.cfg");
      await writeFile(path, renderConfig(await input("utf8")));
      const { stdout, stderr } = await run(haproxyBinary as string, ["-c", "-f", path]);
      expect(`${stdout}${stderr}`).toContain("Configuration file is valid");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("stats socket answers and flags", () => {
  it("reads servers' states from show stat by column name, and each client port's server from show sess", () => {
    const csv =
      "# pxname,svname,qcur,status,check_status,scur,stot\n" +
      "launcelot_servers,node1,0,UP,L7OK,3,10\nlauncelot_servers,bun1,0,DOWN,L4CON,0,4\nlauncelot_servers,BACKEND,0,UP,,3,14\n";
    expect(parseServerStates(csv, "launcelot_servers")).toEqual([
      { name: "node1", status: "UP", checkStatus: "L7OK", sessions: 3, totalSessions: 10 },
      { name: "bun1", status: "DOWN", checkStatus: "L4CON", sessions: 0, totalSessions: 4 },
    ]);
    const sess =
      "0x7f3d: proto=tcpv4 src=127.0.0.1:50902 fe=launcelot be=launcelot_servers srv=bun1 ts=00\n" +
      "0x7f3e: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> ts=00\n";
    expect([...parseSessionServers(sess)]).toEqual([[50902, "bun1"]]);
  });

  it("parses backends and names them for HAProxy; a bad item is a usage error", () => {
    const specs = parseBackends("node,bun,node,10.0.0.5:1060,[::1]:1061");
    expect(backendNames(specs)).toEqual(["node1", "bun1", "node2", "ext1", "ext2"]);
    expect(specs[4]).toMatchObject({ kind: "address", host: "::1", port: 1061 });
    expect(() => parseBackends("node,python")).toThrow(UsageError);
    expect(() => parseBackends("node,,bun")).toThrow(UsageError);
  });
});
