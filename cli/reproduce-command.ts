// windsock models reproduce / reproduction: train a registered version again from what it recorded
// (POST .../versions/:v/reproduce) and read how close it came (GET .../reproductions/:id); --watch polls
// until the reproduction ends: exit 0 when it reproduced the version, 1 when it did not or failed.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { InferResponseType } from 'hono/client';
import type { ReproductionStatus } from '../contracts/reproduction-messages';
import { contextOf, type CommandContext } from './cli-context';
import { ok, type ControlClient } from './control-client';
import { cell, fields, note, printLine, table } from './output';
import { figure } from './pipeline-view';
import { clock, pollStatus } from './poll-status';

type ReproductionBody = InferResponseType<ControlClient['v1']['models'][':name']['versions'][':v']['reproductions'][':id']['$get'], 200>;
/**
 * The route answers the workflow's status, or (no worker answered its query) only what Temporal knows:
 * one shape with the status's fields optional.
 */
type ReproductionView = Partial<ReproductionStatus> & Pick<ReproductionBody, 'reproductionId' | 'model' | 'version' | 'state' | 'temporal'>;

export function versionNumber(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected a version number (1, 2, ...)');
  return Number(text);
}

function tolerance(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new InvalidArgumentError('expected a number from 0 to 1 (e.g. 1e-6)');
  return value;
}

function intervalMs(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected milliseconds');
  return Number(text);
}

/** The verdict in a line: reproduced or not, by how much, and what differed most. */
function verdictOf(r: ReproductionView): string {
  if (r.state === 'running') return `running${r.stage ? ` (${r.stage})` : ''}`;
  if (r.state === 'failed') return `failed${r.error ? `: ${r.error.message} (${r.error.code})` : ''}`;
  if (r.reproduced === undefined) return 'succeeded';
  const delta = r.maxAbsDelta === undefined ? '' : r.maxAbsDelta === null ? ', some figures could not be compared' : `, max |delta| ${figure(r.maxAbsDelta)}`;
  const worst = !r.reproduced && r.worstMetric ? `, worst ${r.worstMetric}` : '';
  const identical = r.identicalArtifact ? ', identical ONNX file' : '';
  return `${r.reproduced ? 'reproduced' : 'NOT reproduced'} within ${r.tolerance ?? '-'}${delta}${worst}${identical}`;
}

export function describeReproduction(r: ReproductionView): string {
  const lines = [
    fields([
      ['reproduction', r.reproductionId],
      ['version', `${r.model} v${r.version}`],
      ['state', r.stage && r.state === 'running' ? `${r.state} (${r.stage})` : r.state],
      ['verdict', r.state === 'running' ? undefined : verdictOf(r)],
      ['requested by', r.requestedBy],
      ['code version', r.codeVersion],
      ['seed', r.seed ?? undefined],
      ['training', r.training ? `${r.training.provider} job ${r.training.jobId}, ${r.training.seconds} s` : undefined],
      ['unmatched', r.unmatched?.length ? r.unmatched.join(', ') : undefined],
      ['temporal', `${r.temporal.status}, started ${cell(r.temporal.startTime)}`],
    ]),
  ];
  if (r.metrics) {
    const { original, reproduced } = r.metrics;
    const names = [...new Set([...Object.keys(original), ...Object.keys(reproduced)])];
    lines.push(
      '',
      table(names, [
        ['metric', (m) => m],
        ['version', (m) => figure(original[m])],
        ['reproduced', (m) => figure(reproduced[m])],
        ['delta', (m) => (typeof original[m] === 'number' && typeof reproduced[m] === 'number' ? figure(Math.abs(original[m]! - reproduced[m]!)) : undefined)],
      ]),
    );
  }
  return lines.join('\n');
}

async function readReproduction(ctx: CommandContext, model: string, version: number, id: string): Promise<ReproductionView> {
  // The id holds ':' (reproduce:<model>:v<n>:<hex>); hc puts params in the path as given.
  const body = await ok(ctx.client.v1.models[':name'].versions[':v'].reproductions[':id'].$get({ param: { name: model, v: String(version), id: encodeURIComponent(id) } }));
  return body as ReproductionView;
}

/** Polls until the reproduction ends; a line per stage for people. 0 when it reproduced the version. */
async function watchReproduction(ctx: CommandContext, model: string, version: number, id: string, interval?: number): Promise<number> {
  let last: string | undefined;
  return pollStatus(
    ctx,
    () => readReproduction(ctx, model, version, id),
    (r) => {
      const now = r.state === 'running' ? `running${r.stage ? ` ${r.stage}` : ''}` : verdictOf(r);
      if (!ctx.json && now !== last) printLine(`${clock()} ${now}`);
      last = now;
      if (r.state === 'running') return undefined;
      if (r.state === 'succeeded' && r.reproduced === true) return 0;
      note(`windsock: reproduction ${id} ${r.state === 'failed' ? 'failed' : 'did not reproduce the version'}: ${verdictOf(r)}`);
      return 1;
    },
    { interval },
  );
}

const hiddenInterval = () => new Option('--interval <ms>', 'with --watch: poll every this many milliseconds').default(1000).argParser(intervalMs).hideHelp();

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description('train VERSION of MODEL again from its recorded code, seed and splits, and compare (submitters, admins)')
    .argument('<model>', 'the model')
    .argument('<version>', 'the version to reproduce', versionNumber)
    .option('--tolerance <x>', 'metrics and probabilities within this of the version count as reproduced (0-1; the API defaults to 1e-6)', tolerance)
    .option('--watch', 'then poll until it ends: exit 0 when reproduced, 1 otherwise')
    .addOption(hiddenInterval())
    .action(async (model: string, version: number, opts: { tolerance?: number; watch?: boolean; interval: number }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(
        ctx.client.v1.models[':name'].versions[':v'].reproduce.$post({ param: { name: model, v: String(version) }, json: opts.tolerance !== undefined ? { tolerance: opts.tolerance } : {} }),
      );
      ctx.show(body, (b) => `${b.reproductionId}: started (its state: windsock models reproduction ${model} ${version} ${b.reproductionId})`);
      if (opts.watch) process.exitCode = await watchReproduction(ctx, model, version, body.reproductionId, opts.interval);
    });
}

export function reproductionCommand(): Command {
  return new Command('reproduction')
    .description('a reproduction of VERSION of MODEL: its stage, and once done whether it reproduced the version, metric by metric')
    .argument('<model>', 'the model')
    .argument('<version>', 'the version it reproduces', versionNumber)
    .argument('<reproductionId>', 'as `models reproduce` printed it')
    .option('--watch', 'poll until it ends: exit 0 when reproduced, 1 otherwise')
    .addOption(hiddenInterval())
    .action(async (model: string, version: number, id: string, opts: { watch?: boolean; interval: number }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      if (opts.watch) {
        process.exitCode = await watchReproduction(ctx, model, version, id, opts.interval);
        return;
      }
      ctx.show(await readReproduction(ctx, model, version, id), describeReproduction);
    });
}
