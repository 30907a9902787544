/** The counters of `stats()`, identical in both servers, and the two updates both make of them. */
import type { ProtocolCounters } from "@bridgekeeper/spec";

export interface ServerStats {
  connectionsOpen: number;
  connectionsTotal: number;
  /** Connections closed at once because the connection limit was reached (CONN-2). */
  connectionsRefused: number;
  questionsAnswered: number;
  unknownQuestions: number;
  tooLongQuestions: number;
  bytesIn: number;
  bytesOut: number;
  /** Times reading from a client was paused because its output was past the high-water mark. */
  backpressurePauses: number;
  /** Writes the kernel (or runtime) did not take whole. */
  partialWrites: number;
  /** Output held by the server, not yet taken by the kernel, over all connections: now and peak. */
  queuedOutputBytes: number;
  peakQueuedOutputBytes: number;
  /** The largest output held for one connection at any time. */
  peakConnectionQueuedBytes: number;
  /** Connections ended by the client's reset (ECONNRESET, EPIPE). */
  resets: number;
  /** Connections closed by the idle timeout. */
  idleClosed: number;
}

export function newServerStats(): ServerStats {
  return {
    connectionsOpen: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    questionsAnswered: 0,
    unknownQuestions: 0,
    tooLongQuestions: 0,
    bytesIn: 0,
    bytesOut: 0,
    backpressurePauses: 0,
    partialWrites: 0,
    queuedOutputBytes: 0,
    peakQueuedOutputBytes: 0,
    peakConnectionQueuedBytes: 0,
    resets: 0,
    idleClosed: 0,
  };
}

/** Notes the output held now, `connectionHeld` bytes of it for one connection, in the peaks. */
export function notePeaks(stats: ServerStats, connectionHeld: number): void {
  if (connectionHeld > stats.peakConnectionQueuedBytes) stats.peakConnectionQueuedBytes = connectionHeld;
  if (stats.queuedOutputBytes > stats.peakQueuedOutputBytes) {
    stats.peakQueuedOutputBytes = stats.queuedOutputBytes;
  }
}

/** A copy of the server's counters with the protocol core's totals in it (what `stats()` returns). */
export function statsSnapshot(stats: ServerStats, counters: ProtocolCounters): ServerStats {
  return {
    ...stats,
    questionsAnswered: counters.answered,
    unknownQuestions: counters.unknown,
    tooLongQuestions: counters.tooLong,
  };
}

/** The line a server logs when it stops. */
export function stoppedLine(stats: ServerStats): string {
  return `stopped after ${stats.connectionsTotal} connections, ${stats.questionsAnswered} answers, ${stats.unknownQuestions} unknown questions`;
}
