// windsock batch: score a dataset with a registered version (POST /v1/models/:name/batch), read a batch
// (GET /v1/batches/:id) and follow it (--watch: rows scored and progress; exit 0 when it succeeded, 1
// otherwise), and a model's batch schedules (a batch on a cron: start --cron, schedules show|delete).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { InferResponseType } from 'hono/client';
import { contextOf, type CommandContext } from './cli-context';
import { done, ok, type ControlClient } from './control-client';
import { cell, fields, note, printLine, table } from './output';
import { bar } from './pipeline-watch';
import { clock, pollStatus } from './poll-status';
import { versionNumber } from './reproduce-command';
import { UsageError } from './usage-error';

type BatchBody = InferResponseType<ControlClient['v1']['batches'][':id']['$get'], 200>;
type ScheduleBody = InferResponseType<ControlClient['v1']['models'][':name']['batch-schedules'][':id']['$get'], 200>;
type SubmitBody = Parameters<ControlClient['v1']['models'][':name']['batch']['$post']>[0]['json'];

const endedStates = new Set(['succeeded', 'failed', 'cancelled']);

function wholeNumber(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(text);
}

/** `2/4 chunks (1 reused)` once planned. */
function chunksText(b: BatchBody): string | undefined {
  if (b.chunks === undefined) return undefined;
  return `${b.chunksDone}/${b.chunks}${b.chunksReused ? ` (${b.chunksReused} reused from an earlier attempt)` : ''}`;
}

export function describeBatch(b: BatchBody): string {
  return fields([
    ['batch', b.batchId],
    ['model', b.version === undefined ? b.model : `${b.model} v${b.version}`],
    ['state', b.state],
    ['requested by', b.requestedBy],
    ['input', b.input],
    ['rows', b.rows],
    ['chunks', chunksText(b)],
    ['progress', b.rows === undefined ? undefined : `${Math.round(b.progress * 100)}%`],
    ['output', b.output ? `${b.output.uri} (${b.output.rows} rows, ${b.output.size} bytes, sha256 ${b.output.sha256})` : undefined],
    ['error', b.error],
    ['temporal', `${b.temporal.status}, started ${cell(b.temporal.startTime)}${b.temporal.closeTime ? `, closed ${cell(b.temporal.closeTime)}` : ''}`],
  ]);
}

function describeSchedule(s: ScheduleBody): string {
  return [
    fields([
      ['schedule', `${s.model}/${s.id}`],
      ['temporal id', s.temporalScheduleId],
      ['cron', `${s.cron} (UTC)`],
      ['scores with', s.batch.version !== undefined ? `v${s.batch.version}` : `the version alias ${s.batch.alias ?? 'champion'} points at`],
      ['input', s.batch.input],
      ['output', s.batch.output ?? 'the artifact store'],
      ['created by', s.createdBy],
      ['paused', s.paused ? 'yes' : 'no'],
      ['next', s.nextActionTimes.join(', ') || undefined],
    ]),
    '',
    'recent batches:',
    table(s.recentBatches, [
      ['batch', (r) => r.batchId],
      ['scheduled at', (r) => r.scheduledAt],
    ]),
  ].join('\n');
}

async function readBatch(ctx: CommandContext, id: string): Promise<BatchBody> {
  // A scheduled batch's id ends in its tick's time (colons): sent encoded, as hc puts params as given.
  return ok(ctx.client.v1.batches[':id'].$get({ param: { id: encodeURIComponent(id) } }));
}

/** Polls a batch: a line per state, and while scoring the rows done (a line per tenth). 0 when it succeeded. */
async function watchBatch(ctx: CommandContext, id: string, interval?: number): Promise<number> {
  let lastState: string | undefined;
  let lastTenth: number | undefined;
  return pollStatus(
    ctx,
    () => readBatch(ctx, id),
    (b) => {
      if (!ctx.json) {
        if (b.state !== lastState) {
          const detail = b.state === 'scoring' && b.rows !== undefined ? `  ${b.rows} rows in ${b.chunks ?? '?'} chunks` : b.state === 'succeeded' && b.output ? `  ${b.output.rows} rows to ${b.output.uri}` : '';
          printLine(`${clock()} ${b.state}${detail}`);
          lastTenth = undefined;
        }
        if (b.state === 'scoring' && b.rows !== undefined) {
          const tenth = Math.floor(b.progress * 10);
          if (tenth !== lastTenth) printLine(`${clock()} scoring ${bar(b.progress)} ${Math.round(b.progress * b.rows)}/${b.rows} rows, ${b.chunksDone}/${b.chunks ?? '?'} chunks`);
          lastTenth = tenth;
        }
      }
      lastState = b.state;
      if (!endedStates.has(b.state)) return undefined;
      if (b.state === 'succeeded') return 0;
      note(`windsock: batch ${id} ended as ${b.state}${b.error ? `: ${b.error}` : ''}`);
      return 1;
    },
    { interval },
  );
}

const hiddenInterval = () => new Option('--interval <ms>', 'with --watch: poll every this many milliseconds').default(1000).argParser(wholeNumber).hideHelp();

interface StartOptions {
  input: string;
  output?: string;
  modelVersion?: number;
  alias?: string;
  idColumn?: string;
  chunkRows?: number;
  parallelism?: number;
  idempotencyKey?: string;
  cron?: string;
  scheduleId?: string;
  watch?: boolean;
  interval: number;
}

export function batchCommand(): Command {
  const batch = new Command('batch').description('batch scoring: score a dataset with a registered version, now or on a cron');

  batch
    .command('start <model>')
    .description("score --input with MODEL's champion (or --model-version, --alias); with --cron, make a schedule that does so on a cron instead")
    .requiredOption('--input <uri>', 'the rows to score: dataset://name[/v], a path under the dataset roots, s3://, https://')
    .option('--output <uri>', 'where the predictions go: s3://bucket/key (a schedule: a prefix ending in /); default the artifact store')
    // Not --version: that is the program's own, recognised after a command too.
    .option('--model-version <n>', 'score with this version (it must be approved)', versionNumber)
    .option('--alias <alias>', 'score with the version this alias points at (default champion)')
    .option('--id-column <column>', 'an input column copied to each output row (a customer id)')
    .option('--chunk-rows <n>', 'rows per chunk (100-100000, default 10000)', wholeNumber)
    .option('--parallelism <n>', 'scoring activities sharing the chunks (1-8, default 1)', wholeNumber)
    .option('--idempotency-key <key>', 'the same key and request again answer with the same batch')
    .option('--cron <expr>', 'make a batch schedule on this cron (UTC) instead of scoring now')
    .option('--schedule-id <id>', "with --cron: the schedule's name within the model (default: default)")
    .option('--watch', 'then follow the batch, as `batch watch`')
    .addOption(hiddenInterval())
    .action(async (model: string, opts: StartOptions, cmd: Command) => {
      const ctx = await contextOf(cmd);
      if (opts.modelVersion !== undefined && opts.alias !== undefined) throw new UsageError('--model-version and --alias both pick the version: give one');
      if (opts.cron === undefined && opts.scheduleId !== undefined) throw new UsageError('--schedule-id names a schedule: give --cron with it');
      if (opts.cron !== undefined && opts.watch) throw new UsageError('--watch follows one batch: a schedule (--cron) starts its batches later');
      if (opts.cron !== undefined && opts.idempotencyKey !== undefined) throw new UsageError('--idempotency-key applies to a batch now, not to a schedule (its id is its key)');
      const json: SubmitBody = {
        input: opts.input,
        ...(opts.output !== undefined ? { output: opts.output } : {}),
        ...(opts.modelVersion !== undefined ? { version: opts.modelVersion } : {}),
        ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
        ...(opts.idColumn !== undefined ? { idColumn: opts.idColumn } : {}),
        ...(opts.chunkRows !== undefined ? { chunkRows: opts.chunkRows } : {}),
        ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
        ...(opts.cron !== undefined ? { schedule: { cron: opts.cron, ...(opts.scheduleId !== undefined ? { id: opts.scheduleId } : {}) } } : {}),
      };
      const headers: Record<string, string> = opts.idempotencyKey !== undefined ? { 'idempotency-key': opts.idempotencyKey } : {};
      const body = await ok(ctx.client.v1.models[':name'].batch.$post({ param: { name: model }, json }, { headers }));
      if (!('batchId' in body)) {
        ctx.show(body, (b) => `batch schedule ${b.schedule.model}/${b.schedule.id}: created (windsock batch schedules show ${b.schedule.model} ${b.schedule.id})`);
        return;
      }
      ctx.show(body, (b) => `${b.batchId}: ${b.created ? 'started' : 'already started (the same request and key)'}`);
      if (opts.watch) process.exitCode = await watchBatch(ctx, body.batchId, opts.interval);
    });

  batch
    .command('show <batchId>')
    .description("a batch's state, rows, chunks, progress and output")
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      ctx.show(await readBatch(ctx, id), describeBatch);
    });

  batch
    .command('watch <batchId>')
    .description('follow a batch: each state, and rows scored while scoring; exit 0 when it succeeds, 1 when it fails or is cancelled')
    .addOption(hiddenInterval())
    .action(async (id: string, opts: { interval: number }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      process.exitCode = await watchBatch(ctx, id, opts.interval);
    });

  const schedules = batch.command('schedules').description("a model's batch schedules (made with `batch start --cron`)");

  schedules
    .command('show <model> <id>')
    .description('a batch schedule: its cron, what it scores, its next times and recent batches')
    .action(async (model: string, id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name']['batch-schedules'][':id'].$get({ param: { name: model, id } }));
      ctx.show(body, describeSchedule);
    });

  schedules
    .command('delete <model> <id>')
    .description('delete a batch schedule (submitters, admins); batches it started are left as they are')
    .action(async (model: string, id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      await done(ctx.client.v1.models[':name']['batch-schedules'][':id'].$delete({ param: { name: model, id } }));
      ctx.show({ deleted: true, model, id }, () => `batch schedule ${model}/${id}: deleted`);
    });

  return batch;
}
