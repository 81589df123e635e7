// Keeps the example training job (jobs/breast-cancer/train.py) waiting after one epoch until the test
// releases it, so that a test acting on a running job never races a fast host to it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

export interface JobHold {
  /** The job parameters that make the job wait on this hold. */
  params: { hold_file: string; hold_after_epoch: number };
  /** Lets the job go on; a job not yet at the epoch will not wait at all. */
  release(): void;
}

/**
 * A hold after `afterEpoch`'s progress event (and checkpoint), on until released or the current test
 * ends, so that a failed test leaves no job waiting.
 */
export function holdJob(afterEpoch = 1): JobHold {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-hold-'));
  const file = path.join(dir, 'hold');
  writeFileSync(file, '');
  const release = () => rmSync(dir, { recursive: true, force: true });
  onTestFinished(release);
  return { params: { hold_file: file, hold_after_epoch: afterEpoch }, release };
}
