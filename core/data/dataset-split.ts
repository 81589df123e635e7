// Stratified train/holdout split of a dataset's rows, reproducible from a seed so that a
// replayed workflow and a rerun of the same pipeline pick the same holdout rows.
import { mulberry32, shuffled } from '../statistics/seeded-random';

export type HoldoutSplit = { train: number[]; holdout: number[] };
export type SplitOptions = { holdoutFraction?: number; seed?: number };

/**
 * Splits row indices 0..rowCount-1 so that each class sends round(count * holdoutFraction)
 * of its rows (halves round up) to the holdout. Classes are taken in ascending label order,
 * each shuffled with Fisher-Yates from one mulberry32 stream, and the first rows of each
 * shuffle go to the holdout. Both outputs are sorted ascending.
 */
export function splitHoldout(
  rowCount: number,
  labels: readonly number[],
  { holdoutFraction = 0.2, seed = 42 }: SplitOptions = {},
): HoldoutSplit {
  if (!Number.isInteger(rowCount) || rowCount < 0) {
    throw new RangeError(`rowCount must be a non-negative integer, got ${rowCount}`);
  }
  if (labels.length !== rowCount) {
    throw new RangeError(`expected ${rowCount} labels, got ${labels.length}`);
  }
  if (!(holdoutFraction >= 0 && holdoutFraction <= 1)) {
    throw new RangeError(`holdoutFraction must be within [0, 1], got ${holdoutFraction}`);
  }

  const rowsByLabel = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const rows = rowsByLabel.get(label);
    if (rows) rows.push(row);
    else rowsByLabel.set(label, [row]);
  });

  const random = mulberry32(seed);
  const isHoldout = new Array<boolean>(rowCount).fill(false);
  for (const label of [...rowsByLabel.keys()].sort((a, b) => a - b)) {
    const rows = rowsByLabel.get(label)!;
    const take = Math.round(rows.length * holdoutFraction);
    for (const row of shuffled(rows, random).slice(0, take)) isHoldout[row] = true;
  }

  const train: number[] = [];
  const holdout: number[] = [];
  for (let row = 0; row < rowCount; row++) (isHoldout[row] ? holdout : train).push(row);
  return { train, holdout };
}
