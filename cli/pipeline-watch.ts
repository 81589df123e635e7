// windsock pipelines watch: polls GET /v1/pipelines/:id and prints each stage change with its time, a
// bar for training epochs (the job's heartbeat) and for the rollout's canary percent. On a terminal the
// bar redraws in place; elsewhere (a pipe, CI) each change is one line. Exit 0 when the pipeline
// succeeds or reaches --until, 1 when it ends any other way.
import { finalStages, type Stage } from '../contracts/model-pipeline-messages';
import type { CommandContext } from './cli-context';
import { ok } from './control-client';
import { note } from './output';
import { gateSummary, pipelineView, trialCounts, type PipelineView } from './pipeline-view';
import { clock, pollStatus } from './poll-status';

export interface WatchOptions {
  until?: string;
  /** Milliseconds between polls (default 1000). */
  interval?: number;
}

const BAR_WIDTH = 24;

export function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

/** The progress to draw now, and the key that changes when a non-terminal reader should get a line. */
function progressOf(p: PipelineView): { text: string; key: string } | undefined {
  if (p.stage === 'training' && p.tuning) {
    // A tuning pipeline trains many jobs: the search's progress, not one job's epochs.
    const trials = p.trials ?? [];
    const ended = trials.filter((t) => t.state !== 'running').length;
    const counts = trialCounts(trials);
    return { text: `trials ${bar(ended / Math.max(1, p.tuning.trials))} ${ended}/${p.tuning.trials}: ${counts}`, key: `trials:${counts}` };
  }
  if (p.stage === 'training') {
    const job = p.progress?.progress;
    if (!job) return undefined;
    const fraction = typeof job.progress === 'number' ? job.progress : job.epochs ? (job.epoch ?? 0) / job.epochs : undefined;
    if (fraction === undefined) return undefined;
    const epochs = job.epochs ? ` epoch ${job.epoch ?? 0}/${job.epochs}` : '';
    const loss = typeof job.loss === 'number' ? ` loss ${job.loss.toFixed(4)}` : '';
    // A line per tenth on a pipe: a 200-epoch job is not 200 lines.
    return { text: `training ${bar(fraction)}${epochs}${loss}`, key: `training:${Math.floor(fraction * 10)}` };
  }
  if (p.stage === 'rolling_out' && p.rollout) {
    const r = p.rollout;
    const weights = r.weights ? ` weights ${Object.entries(r.weights).map(([v, w]) => `v${v}:${w}`).join(' ')}` : '';
    const state = r.paused ? ' (paused)' : '';
    return { text: `rollout ${bar(r.percent / 100)} v${r.version} ${r.stage}${weights}${state}`, key: `rollout:${r.percent}:${r.stage}:${r.paused}` };
  }
  return undefined;
}

/** What the stage line adds: the version and its scores once registered, the outcome at the end. */
function detailOf(p: PipelineView): string {
  switch (p.stage) {
    case 'awaiting_approval':
      return [p.version ? `v${p.version}` : '', gateSummary(p.gate) ?? ''].filter(Boolean).join(' ');
    case 'succeeded':
      return p.promoted ? `v${p.promoted.version} is the champion` : '';
    default:
      return '';
  }
}

/** Why a pipeline ended other than in success, in the API's words. */
function endingOf(p: PipelineView): string {
  switch (p.stage) {
    case 'rejected':
      return `rejected${p.approval?.by ? ` by ${p.approval.by}` : ''}${p.approval?.comment ? `: ${p.approval.comment}` : p.approval?.decision === 'timed_out' ? ': the approval timed out' : ''}`;
    case 'not_better':
      return `not better than the champion${p.notBetter ? `: ${p.notBetter.failedChecks.join('; ')}` : ''}`;
    case 'rolled_back':
      return `rolled back${p.rollout?.outcome ? `: ${p.rollout.outcome.reason}` : p.error ? `: ${p.error.message}` : ''}`;
    default:
      return `${p.stage}${p.error ? `: ${p.error.message} (${p.error.code})` : ''}`;
  }
}

export async function watchPipeline(ctx: CommandContext, id: string, options: WatchOptions): Promise<number> {
  const redraw = process.stdout.isTTY === true && !ctx.json;
  let lastStage: Stage | undefined;
  let lastKey: string | undefined;
  let barShown = false;

  const out = (line: string) => {
    if (barShown) process.stdout.write('\r\x1b[K');
    barShown = false;
    process.stdout.write(`${line}\n`);
  };

  const read = async () => pipelineView(await ok(ctx.client.v1.pipelines[':id'].$get({ param: { id } })));
  return pollStatus(
    ctx,
    read,
    (p) => {
      // Under --json pollStatus prints each change as the API answered it; the lines are for people.
      if (!ctx.json) {
        if (p.stage !== lastStage) {
          const detail = detailOf(p);
          out(`${clock()} ${p.stage}${detail ? `  ${detail}` : ''}`);
          lastKey = undefined;
        }
        const progress = progressOf(p);
        if (progress && progress.key !== lastKey) {
          if (redraw) {
            process.stdout.write(`\r\x1b[K${progress.text}`);
            barShown = true;
          } else {
            out(`${clock()} ${progress.text}`);
          }
          lastKey = progress.key;
        } else if (progress && redraw) {
          process.stdout.write(`\r\x1b[K${progress.text}`);
          barShown = true;
        }
      }
      lastStage = p.stage;

      if (p.stage === options.until || p.stage === 'succeeded') {
        if (barShown) process.stdout.write('\r\x1b[K');
        return 0;
      }
      if (finalStages.has(p.stage)) {
        if (barShown) process.stdout.write('\r\x1b[K');
        note(`windsock: pipeline ${id} ended as ${endingOf(p)}`);
        return 1;
      }
      return undefined;
    },
    { interval: options.interval },
  );
}
