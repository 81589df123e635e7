// `windsock pipelines watch` on a real pipeline: the control app over a real Temporal dev server and
// worker with the real training job, served on a loopback port, and the CLI as its own process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stages } from '../../contracts/model-pipeline-messages';
import { runCli, serveOnLoopback } from '../fast/cli/cli-process';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
beforeAll(async () => {
  h = await startHarness('cli-watch');
  server = await serveOnLoopback(h.app);
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

/** The stage of each `HH:MM:SS stage ...` line, in order (progress lines left out). */
function stageLines(stdout: string): string[] {
  return [...stdout.matchAll(/^\d\d:\d\d:\d\d ([a-z_]+)(?: {2}.*)?$/gm)].map((m) => m[1]!).filter((s) => (stages as readonly string[]).includes(s));
}

describe('windsock pipelines watch', () => {
  it('prints the stages in order until awaiting_approval (exit 0), and a rejected pipeline watched to its end exits 1', async () => {
    const url = server.url;
    const started = await runCli(['pipelines', 'start', 'breast-cancer', exampleDataset, '--idempotency-key', `cli-watch-${Date.now()}`], { url, as: 'dave' });
    expect(started.code, started.stderr).toBe(0);
    const id = /^(breast-cancer-[0-9a-f]{16}): started$/m.exec(started.stdout)![1]!;

    const watched = await runCli(['pipelines', 'watch', id, '--until', 'awaiting_approval'], { url, as: 'carol' });
    expect(watched.code, `${watched.stdout}\n${watched.stderr}`).toBe(0);
    const seen = stageLines(watched.stdout);
    expect(seen.at(-1)).toBe('awaiting_approval');
    expect(seen).toContain('training');
    // Each stage once, in the lifecycle's order.
    expect(seen).toEqual([...seen].sort((a, b) => stages.indexOf(a as never) - stages.indexOf(b as never)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(watched.stdout).toMatch(/awaiting_approval {2}v1 gate passed: roc_auc=0\.\d{4} f1=0\.\d{4}$/m);
    // Training progress from the job's heartbeat, one line per tenth on a pipe, when a poll caught it.
    for (const line of watched.stdout.split('\n').filter((l) => / training \[/.test(l))) {
      expect(line).toMatch(/training \[[#-]{24}\] +\d+% epoch \d+\/60/);
    }

    const rejected = await runCli(['pipelines', 'reject', id, '--reason', 'recall too low for screening'], { url, as: 'bob' });
    expect(rejected.code, rejected.stderr).toBe(0);
    const ended = await runCli(['pipelines', 'watch', id], { url, as: 'carol' });
    expect(ended.code, `${ended.stdout}\n${ended.stderr}`).toBe(1);
    expect(stageLines(ended.stdout).at(-1)).toBe('rejected');
    expect(ended.stderr).toContain(`windsock: pipeline ${id} ended as rejected by bob: recall too low for screening`);
  });
});
