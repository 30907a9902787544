/** The documented margins of judgements that are not exact (in every report, and in conformance/README.md). */
export const MARGINS: Record<string, string> = {
  "slow-reader stall":
    "the writes of a client that reads nothing have stalled when the server read under 1 KiB of them over a quiet floor (from /proc/net/tcp; where the server's end is not visible, when no 'drain' came within it); cap 128 MiB pushed; FLOW-2 fails at once when a launched server kept reading while it held more than 16 MiB + 1 MiB (the replies owed for what it read, less those in the kernels); the replies are then read back in full up to 32 MiB owed, past that the first 16 MiB are verified and the client resets",
  "held half-close":
    "the FIN is sent once the server has read every byte pushed and holds replies the kernels refused, twice in a row; inconclusive if the kernels took every reply to 2 MiB of questions",
  "memory churn":
    "RESOURCE-4 fails when RSS grew by more than 8 MiB and by more than 200 bytes per connection over 20000 connections served after 20000 to warm up (lowest of 5 samples after, highest of 5 before), and in each of up to 3 more windows of 20000 (a heap that settles is not a leak)",
  memory: "RESOURCE-3 fails when RSS grew by more than 64 MiB and by more than half the bytes pushed",
  descriptors:
    "RESOURCE-1 fails when the descriptor count stays above its level before the case for 5 quiet floors after the clients left",
  "out of descriptors":
    "ROBUST-2 fails when an instance launched under --fd-limit N (default 128), holding N + 33 connections, used more than 25% of one core over 3 s, or stopped serving a held connection or a fresh one once the others left",
  "idle cpu":
    "RESOURCE-2 warns when the target used more than 25% of one core over a 3 s window with only idle connections",
  "idle close": "IDLE-1 fails on a close before 0.9 x I; IDLE-2 warns when still open at I + max(5 s, I / 2)",
};
