// windsock retrain (a retrain by hand, or its state) and windsock schedules (retraining on a cron or an
// interval, as Temporal Schedules).
import { Command, Option } from 'commander';
import { contextOf } from './cli-context';
import { done, ok } from './control-client';
import { fields, table } from './output';

export function retrainCommand(): Command {
  return new Command('retrain')
    .description("ask for a retrain of MODEL on its template's retrain.dataset (submitters, admins); --status shows the retrain workflow")
    .argument('<model>', 'the model')
    .option('--reason <text>', 'why (kept with the pipeline)')
    .option('--status', 'show the state of the model\'s retrain workflow instead')
    .action(async (model: string, opts: { reason?: string; status?: boolean }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      if (opts.status) {
        const body = await ok(ctx.client.v1.models[':name'].retrain.$get({ param: { name: model } }));
        ctx.show(body, (b) => fields([['workflow', b.workflowId], ['temporal', b.temporal.status], ['started', b.temporal.startTime], ['closed', b.temporal.closeTime]]));
        return;
      }
      const body = await ok(ctx.client.v1.models[':name'].retrain.$post({ param: { name: model }, json: opts.reason !== undefined ? { reason: opts.reason } : {} }));
      ctx.show(body, (b) => `retrain requested through ${b.workflowId} (its state: windsock retrain ${model} --status)`);
    });
}

type ScheduleBody = Awaited<ReturnType<typeof scheduleOf>>;
async function scheduleOf(ctx: Awaited<ReturnType<typeof contextOf>>, model: string, id: string) {
  return ok(ctx.client.v1.models[':name'].schedules[':id'].$get({ param: { name: model, id } }));
}

function describeSchedule(s: ScheduleBody): string {
  return fields([
    ['schedule', `${s.model}/${s.id}`],
    ['temporal id', s.temporalScheduleId],
    ['spec', 'cron' in s.spec ? `cron ${s.spec.cron}` : `every ${s.spec.every}`],
    ['paused', s.paused ? `yes${s.pauseReason ? ` (${s.pauseReason})` : ''}` : 'no'],
    ['overlap', s.overlap],
    ['catch-up', `${s.catchupWindowSeconds} s`],
    ['note', s.note],
    ['next', s.temporal?.nextActionTimes.join(', ')],
    ['actions', s.temporal?.actionCount],
  ]);
}

export function schedulesCommand(): Command {
  const schedules = new Command('schedules').description("a model's retraining schedules (list: any role; changes: admin)");

  schedules
    .command('list <model>')
    .description("the model's schedules with their next times")
    .action(async (model: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name'].schedules.$get({ param: { name: model } }));
      ctx.show(body, (b) =>
        table(b.schedules, [
          ['id', (s) => s.id],
          ['spec', (s) => ('cron' in s.spec ? `cron ${s.spec.cron}` : `every ${s.spec.every}`)],
          ['paused', (s) => s.paused],
          ['next', (s) => s.temporal?.nextActionTimes[0]],
          ['actions', (s) => s.temporal?.actionCount],
          ['note', (s) => s.note],
        ]),
      );
    });

  schedules
    .command('show <model> <id>')
    .description('one schedule, its next times and recent actions')
    .action(async (model: string, id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      ctx.show(await scheduleOf(ctx, model, id), describeSchedule);
    });

  schedules
    .command('add <model>')
    .description('add a schedule: --cron or --every')
    .option('--id <id>', 'its name within the model', 'default')
    .option('--cron <expr>', 'a cron expression in UTC ("0 3 * * *", "@daily")')
    .option('--every <duration>', 'an interval: seconds, "30m", "6h", "1d"')
    .option('--catchup-window <duration>', 'after downtime, ticks missed by at most this long still run (default 1h)')
    .addOption(new Option('--overlap <policy>', 'a tick while the previous one is being delivered').choices(['skip', 'buffer_one'] as const))
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note kept with it')
    .action(async (model: string, opts: { id: string; cron?: string; every?: string; catchupWindow?: string; overlap?: 'skip' | 'buffer_one'; paused?: boolean; note?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const json = {
        id: opts.id,
        ...(opts.cron !== undefined ? { cron: opts.cron } : {}),
        ...(opts.every !== undefined ? { every: /^\d+$/.test(opts.every) ? Number(opts.every) : opts.every } : {}),
        ...(opts.catchupWindow !== undefined ? { catchupWindow: opts.catchupWindow } : {}),
        ...(opts.overlap !== undefined ? { overlap: opts.overlap } : {}),
        ...(opts.paused ? { paused: true } : {}),
        ...(opts.note !== undefined ? { note: opts.note } : {}),
      };
      const body = await ok(ctx.client.v1.models[':name'].schedules.$post({ param: { name: model }, json }));
      ctx.show(body, describeSchedule);
    });

  schedules
    .command('pause <model> <id>')
    .description('no ticks until resumed')
    .option('--reason <text>', 'why')
    .action(async (model: string, id: string, opts: { reason?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name'].schedules[':id'].pause.$post({ param: { name: model, id }, json: opts.reason !== undefined ? { reason: opts.reason } : {} }));
      ctx.show(body, describeSchedule);
    });

  schedules
    .command('resume <model> <id>')
    .description('tick again')
    .action(async (model: string, id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name'].schedules[':id'].resume.$post({ param: { name: model, id } }));
      ctx.show(body, describeSchedule);
    });

  schedules
    .command('trigger <model> <id>')
    .description('run one tick now (also while paused)')
    .action(async (model: string, id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name'].schedules[':id'].trigger.$post({ param: { name: model, id } }));
      ctx.show(body, (b) => `${b.schedule.model}/${b.schedule.id}: triggered`);
    });

  schedules
    .command('delete <model> <id>')
    .description('delete it (also a Temporal schedule of that id that Windsock did not record)')
    .action(async (model: string, id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      await done(ctx.client.v1.models[':name'].schedules[':id'].$delete({ param: { name: model, id } }));
      ctx.show({ deleted: true, model, id }, () => `${model}/${id}: deleted`);
    });

  return schedules;
}
