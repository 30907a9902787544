/** Logs every change of a server's state that HAProxy reports (UP, DOWN, going up or down). */
import type { Cluster } from "./cluster.js";

/** Polls `show stat` every `intervalMs`; returns the function that stops it. */
export function watchStates(cluster: Cluster, log: (line: string) => void, intervalMs = 500): () => void {
  const last = new Map<string, string>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    cluster
      .states()
      .then((states) => {
        for (const s of states) {
          const before = last.get(s.name);
          const check = s.checkStatus.replace(/^\* /, "") || "-";
          if (before !== undefined && before !== s.status) {
            log(`server ${s.name}: ${before} -> ${s.status} (last check ${check})`);
          }
          last.set(s.name, s.status);
        }
      })
      .catch(() => {
        // HAProxy is stopping or gone: its exit is reported elsewhere
      })
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
