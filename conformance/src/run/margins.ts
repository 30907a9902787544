/** The documented margins of judgements that are not exact (in every report, and in conformance/README.md). */
export const MARGINS: Record<string, string> = {
  "slow-reader stall":
    "a write is stalled when write() returned false and no 'drain' came within the quiet floor; cap 128 MiB pushed",
  memory: "RESOURCE-3 fails when RSS grew by more than 64 MiB and by more than half the bytes pushed",
  descriptors:
    "RESOURCE-1 fails when the descriptor count stays above its level before the case for 5 quiet floors after the clients left",
  "idle cpu":
    "RESOURCE-2 warns when the target used more than 25% of one core over a 3 s window with only idle connections",
  "idle close": "IDLE-1 fails on a close before 0.9 x I; IDLE-2 warns when still open at I + max(5 s, I / 2)",
};
