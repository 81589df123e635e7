// windsock rollout (steer a pipeline's canary) and windsock rollback (a model back to an earlier version).
import { Argument, Command, InvalidArgumentError } from 'commander';
import { contextOf } from './cli-context';
import { ok } from './control-client';

export function rolloutCommand(): Command {
  return new Command('rollout')
    .description("steer a pipeline's rollout while it is rolling_out (approvers): pause, resume, abort (back to stable now), promote (now; not your own)")
    .addArgument(new Argument('<action>', 'what to do').choices(['pause', 'resume', 'abort', 'promote'] as const))
    .argument('<pipeline>', 'the pipeline id')
    .option('--reason <text>', 'why (kept in the audit log)')
    .action(async (action: 'pause' | 'resume' | 'abort' | 'promote', id: string, opts: { reason?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.pipelines[':id'].rollout[':action'].$post({ param: { id, action }, json: opts.reason !== undefined ? { reason: opts.reason } : {} }));
      ctx.show(body, (b) => `${b.pipelineId}: rollout ${b.action} sent`);
    });
}

function version(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected a version number');
  return Number(text);
}

export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('serve an earlier approved version at 100% and move the champion alias to it (admin); aborts running rollouts of the model')
    .argument('<model>', 'the model')
    .argument('<version>', 'the approved version to go back to', version)
    .option('--reason <text>', 'why (kept in the audit log)')
    .action(async (model: string, v: number, opts: { reason?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name'].rollback.$post({ param: { name: model }, json: { version: v, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) } }));
      ctx.show(body, (b) =>
        [`${b.model}: v${b.champion} is the champion (was ${b.previousChampion === null ? 'none' : `v${b.previousChampion}`})`, ...b.abortedRollouts.map((p) => `aborted the rollout of ${p}`)].join('\n'),
      );
    });
}
