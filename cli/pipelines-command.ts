// windsock pipelines: start a model pipeline, list and read them, approve, reject, cancel, watch.
import { UsageError } from './usage-error';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stages } from '../contracts/model-pipeline-messages';
import { contextOf } from './cli-context';
import { ok } from './control-client';
import { fields, metricsLine, note, table } from './output';
import { watchPipeline } from './pipeline-watch';
import { crossValidationSummary, figure, gateSummary, paramsText, pipelineView, tuningSummary, type PipelineView } from './pipeline-view';

type ParamValue = number | string | boolean | null;

/** `--param k=v`: numbers, true/false and null as JSON reads them, anything else as a string. */
export function parseParam(text: string, previous: Record<string, ParamValue> = {}): Record<string, ParamValue> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${text}'`);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  let value: ParamValue = raw;
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(raw)) value = JSON.parse(raw) as ParamValue;
  return { ...previous, [key]: value };
}

function positiveInt(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(text);
}

/** The lines a person reads first about a pipeline. */
export function describePipeline(p: PipelineView): string {
  const training = p.progress?.progress;
  return fields([
    ['pipeline', p.pipelineId],
    ['model', p.model],
    ['stage', p.stage],
    ['submitted by', p.submittedBy],
    ['revision', p.templateRevision],
    ['dataset', p.dataset ? `${p.dataset.rowCount} rows (${p.dataset.trainRows} train, ${p.dataset.holdoutRows} holdout)` : undefined],
    ['training', training?.epochs ? `epoch ${training.epoch ?? 0}/${training.epochs}` : p.training ? `${p.training.provider} job ${p.training.jobId}, ${p.training.seconds} s` : undefined],
    ['tuning', p.tuning ? tuningSummary(p.tuning, p.trials ?? []) : undefined],
    ['version', p.version],
    ['metrics', metricsLine(p.metrics)],
    ['cross-validation', p.crossValidation ? crossValidationSummary(p.crossValidation) : undefined],
    ['champion', p.champion ? `v${p.champion.version} ${metricsLine(p.champion.metrics) ?? ''}`.trim() : undefined],
    ['gate', gateSummary(p.gate)],
    ['approval', p.approval ? (p.approval.decision ? `${p.approval.decision}${p.approval.by ? ` by ${p.approval.by}` : ''}${p.approval.comment ? `: ${p.approval.comment}` : ''}` : `waiting until ${p.approval.deadline ?? '-'}`) : undefined],
    ['rollout', p.rollout ? `${p.rollout.stage} ${p.rollout.percent}%${p.rollout.paused ? ' (paused)' : ''}` : undefined],
    ['promoted', p.promoted ? `v${p.promoted.version} (previous ${p.promoted.previous ?? 'none'})` : undefined],
    ['error', p.error ? `${p.error.code}: ${p.error.message}` : undefined],
    ['temporal', `${p.temporal.status}, started ${p.temporal.startTime ?? '-'}`],
  ]);
}

export function pipelinesCommand(): Command {
  const pipelines = new Command('pipelines').description('model pipelines: start, list, show, watch, trials, approve, reject, cancel');

  pipelines
    .command('start <model> <dataset>')
    .description('start a pipeline training MODEL on DATASET (dataset://name[/v], a path under the dataset roots, s3://, https://)')
    .option('--param <key=value>', 'a training param (repeat it); numbers, true, false and null are typed', parseParam)
    .option('--compute <profile>', 'the compute profile to train on (local, runner, ...)')
    .option('--idempotency-key <key>', 'the same key and request again answer with the same pipeline')
    .option('--no-rollout', 'keep the new version off the edge')
    .option('--watch', 'then watch it, as `pipelines watch`')
    .addOption(new Option('--until <stage>', 'with --watch: stop (exit 0) once the pipeline reaches this stage').choices(stages))
    .action(async (model: string, dataset: string, opts: { param?: Record<string, ParamValue>; compute?: string; idempotencyKey?: string; rollout: boolean; watch?: boolean; until?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const json = {
        model,
        dataset,
        ...(opts.param ? { params: opts.param } : {}),
        ...(opts.compute !== undefined ? { compute: opts.compute } : {}),
        ...(opts.rollout ? {} : { rollout: false as const }),
      };
      const headers: Record<string, string> = opts.idempotencyKey !== undefined ? { 'idempotency-key': opts.idempotencyKey } : {};
      const body = await ok(ctx.client.v1.pipelines.$post({ json }, { headers }));
      ctx.show(body, (b) => `${b.pipelineId}: ${b.created ? 'started' : 'already started (the same request and key)'}`);
      if (opts.watch) process.exitCode = await watchPipeline(ctx, body.pipelineId, { until: opts.until });
    });

  pipelines
    .command('list')
    .description('pipelines, open ones first (newest first), then closed ones')
    .option('--model <name>', 'only this model')
    .addOption(new Option('--stage <stage>', 'only pipelines at this stage').choices(stages))
    .option('--submitted-by <name>', 'only pipelines this principal submitted')
    .option('--mine', 'only pipelines you submitted')
    .option('--awaiting-me', 'what you may approve: awaiting approval and submitted by someone else (approvers)')
    .option('--limit <n>', 'at most this many (1-200, default 50)', positiveInt)
    .option('--cursor <cursor>', 'the next page: the cursor the page before printed, with the same filters')
    .action(async (opts: { model?: string; stage?: (typeof stages)[number]; submittedBy?: string; mine?: boolean; awaitingMe?: boolean; limit?: number; cursor?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      if (opts.mine && opts.submittedBy !== undefined) throw new UsageError('--mine and --submitted-by both name the submitter: give one');
      const submittedBy = opts.mine ? (await ok(ctx.client.v1.whoami.$get())).name : opts.submittedBy;
      const query = {
        ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(opts.stage !== undefined ? { stage: opts.stage } : {}),
        ...(submittedBy !== undefined ? { submittedBy } : {}),
        ...(opts.awaitingMe ? { awaitingApprovalBy: 'me' as const } : {}),
        ...(opts.limit !== undefined ? { limit: String(opts.limit) } : {}),
        ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
      };
      const body = await ok(ctx.client.v1.pipelines.$get({ query }));
      ctx.show(body, (b) => {
        if (b.nextCursor) note(`more: --cursor ${b.nextCursor}`);
        return table(b.pipelines, [
          ['pipeline', (p) => p.pipelineId],
          ['model', (p) => p.model],
          ['stage', (p) => p.stage],
          ['submitted by', (p) => p.submittedBy],
          ['started', (p) => p.startTime],
          ['closed', (p) => p.closeTime],
        ]);
      });
    });

  pipelines
    .command('show <id>')
    .description("a pipeline's stage, metrics, gate, approval, rollout and error")
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.pipelines[':id'].$get({ param: { id } }));
      ctx.show(pipelineView(body), describePipeline);
    });

  pipelines
    .command('watch <id>')
    .description('follow a pipeline: each stage change, training and rollout progress; exit 0 when it succeeds (or reaches --until), 1 when it ends otherwise')
    .addOption(new Option('--until <stage>', 'stop (exit 0) once the pipeline reaches this stage').choices(stages))
    .addOption(new Option('--interval <ms>', 'poll every this many milliseconds').default(1000).argParser(positiveInt).hideHelp())
    .action(async (id: string, opts: { until?: string; interval: number }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      process.exitCode = await watchPipeline(ctx, id, opts);
    });

  pipelines
    .command('trials <id>')
    .description("a tuning pipeline's trials: state, params, objective, seconds and cost (none for a pipeline without tuning)")
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.pipelines[':id'].trials.$get({ param: { id } }));
      ctx.show(body, (b) => {
        if (!b.tuning) return `${b.pipelineId}: no tuning (stage ${b.stage})`;
        const best = b.tuning.best;
        return [
          `${b.pipelineId} (${b.stage}): ${tuningSummary(b.tuning, b.trials)}`,
          table(b.trials, [
            ['trial', (t) => `${t.n}${t.n === best ? '*' : ''}`],
            ['state', (t) => t.state],
            ['params', (t) => paramsText(t.params)],
            [b.tuning.objective, (t) => figure(t.objective)],
            ['seconds', (t) => (t.seconds === undefined ? undefined : t.seconds.toFixed(1))],
            ['cost usd', (t) => (t.costUsd === undefined ? undefined : t.costUsd.toFixed(4))],
            ['reason', (t) => t.reason],
          ]),
        ].join('\n');
      });
    });

  pipelines
    .command('approve <id>')
    .description('approve the version a pipeline waits with (approvers; never your own: four-eyes)')
    .option('--comment <text>', 'why')
    .action(async (id: string, opts: { comment?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.pipelines[':id'].approve.$post({ param: { id }, json: opts.comment !== undefined ? { comment: opts.comment } : {} }));
      ctx.show(body, (b) => `${b.pipelineId}: approved`);
    });

  pipelines
    .command('reject <id>')
    .description('reject the version a pipeline waits with (approvers)')
    .requiredOption('--reason <text>', 'why it is rejected')
    .action(async (id: string, opts: { reason: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.pipelines[':id'].reject.$post({ param: { id }, json: { reason: opts.reason } }));
      ctx.show(body, (b) => `${b.pipelineId}: rejected`);
    });

  pipelines
    .command('cancel <id>')
    .description('cancel a running pipeline and its training job (its submitter or an admin)')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.pipelines[':id'].cancel.$post({ param: { id } }));
      ctx.show(body, (b) => `${b.pipelineId}: cancellation requested`);
    });

  return pipelines;
}
