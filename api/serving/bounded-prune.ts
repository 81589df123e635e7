// Retention runs in bounded passes: delete up to batchRows rows at a time, at most maxBatches times per
// table per run, so one run of the edge's cron (or Node's timer) never holds the store for long.

/** Calls `prune` (which deletes at most batchRows rows and says how many) until a pass deletes fewer. */
export async function drainInBatches(prune: () => Promise<number>, batchRows: number, maxBatches: number): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await prune();
    deleted += n;
    if (n < batchRows) return { deleted, more: false };
  }
  return { deleted, more: true };
}
