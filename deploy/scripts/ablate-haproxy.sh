#!/usr/bin/env bash
# Which HAProxy settings the spec's rules depend on: starts `npm run cluster` (a Node and a Bun
# backend, I = 10 s, C = 256), then for each variant of its rendered haproxy.cfg (one setting
# changed) runs a second HAProxy on another free port in front of the same backends and the
# conformance cases that setting serves, and prints their verdicts. Everything runs on 127.0.0.1
# and is stopped at the end (by process id). About two minutes.
#
#   npm run build && deploy/scripts/ablate-haproxy.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/launcelot-ablate-XXXXXX)
cluster_pid=""
variant_pid=""
cleanup() {
  [ -n "$variant_pid" ] && kill "$variant_pid" 2>/dev/null || true
  [ -n "$cluster_pid" ] && kill -TERM "$cluster_pid" 2>/dev/null && wait "$cluster_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

node deploy/dist/src/cli.js --backends node,bun --idle-timeout 10 --max-connections 256 >"$work/out" 2>"$work/err" &
cluster_pid=$!
for _ in $(seq 1 300); do grep -q "listening on" "$work/out" && break; sleep 0.1; done
grep -q "listening on" "$work/out" || { cat "$work/err"; exit 1; }
config=$(sed -n 's/.*config \(.*\), stats socket.*/\1/p' "$work/err")

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# variant NAME SED-EXPRESSION CASES
variant() {
  local name=$1 expr=$2 cases=$3 port
  port=$(free_port)
  sed -e "s|^    bind .*|    bind 127.0.0.1:$port|" -e "s|stats socket [^ ]*|stats socket $work/$name.sock|" -e "$expr" "$config" >"$work/$name.cfg"
  haproxy -f "$work/$name.cfg" -db >"$work/$name.log" 2>&1 &
  variant_pid=$!
  sleep 2.5
  node conformance/dist/src/cli.js --target "127.0.0.1:$port" --idle-timeout 10 --max-connections 256 \
    --seed 1 --only "$cases" --reporter json --out "$work/$name.json" >/dev/null 2>&1 || true
  kill "$variant_pid" 2>/dev/null || true
  wait "$variant_pid" 2>/dev/null || true
  variant_pid=""
  node -e '
    const r = require(process.argv[1]);
    for (const c of r.cases) {
      const e = c.evidence ?? {};
      const seen = ["pushedBytes", "idleClosedAfterMs", "nonReaderClosedAfterStallMs", "closedByServer"].filter((k) => k in e).map((k) => `${k} ${e[k]}`);
      console.log([process.argv[2], c.id, c.verdict + (c.violatedRule ? ` (${c.violatedRule})` : ""), (c.verdict === "pass" ? seen.join(", ") : c.message ?? "").slice(0, 160)].join(" | "));
    }' "$work/$name.json" "$name"
}

echo "variant | case | verdict | evidence or message"
variant as-rendered '' 'flow.,conn.limit,idle.timeouts,close.,limit.over-long'
variant connection-reject 's/tcp-request content reject/tcp-request connection reject/' 'conn.limit'
variant bare-maxconn '/tcp-request content reject/d; s/^    maxconn [0-9]*$/    maxconn 256/' 'conn.limit'
variant timeouts-5s 's/^    timeout \(client\|server\|tunnel\|client-fin\|server-fin\) .*/    timeout \1 5s/' 'idle.timeouts'
variant timeouts-60s 's/^    timeout \(client\|server\|tunnel\|client-fin\|server-fin\) .*/    timeout \1 60s/' 'idle.timeouts'
variant autotuned-buffers '/^    tune\.\(rcv\|snd\)buf\./d' 'flow.,close.half-close-held'
variant nolinger 's/^    mode tcp$/    mode tcp\n    option nolinger/' 'close.,limit.over-long,flow.slow-reader'
