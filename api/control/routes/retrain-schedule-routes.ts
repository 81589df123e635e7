// /v1/models/:name/schedules: retraining on a cron or an interval, as Temporal Schedules (one per
// schedule, `retrain-schedule:<model>:<id>`) that start `scheduledRetrain`, which asks retrain:<model>
// for a retrain; so a schedule never runs a second pipeline beside one already running for the model.
// The registry keeps each definition (the system of record; reconcileSchedules recreates from it).
// Mounted on the control API only: the edge's HTTP gateway manages no schedules.
import { z } from 'zod';
import { parseDurationSeconds } from '../../../core/pipeline/duration';
import { WindsockError } from '../../../core/windsock-error';
import type { RegistryStore } from '../../../registry/registry-store';
import type { RetrainSchedule } from '../../../registry/registry-types';
import { temporalScheduleId, type RetrainScheduleGateway, type ScheduleRuntime } from '../retrain-schedule-gateway';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../../http/openapi-routes';
import { modelParam } from '../../../contracts/shared-params';

const scheduleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "_" or "-", at most 63, starting with a letter or digit');
export const scheduleParam = modelParam.extend({ id: scheduleId });

const duration = z.union([z.number(), z.string()]);
const durationMessage = 'a whole number of seconds, or a duration like "90s", "30m", "6h", "1d"';

/** Whole seconds from a duration, or undefined (zod reports it). */
function wholeSeconds(value: number | string): number | undefined {
  const seconds = parseDurationSeconds(value);
  return seconds !== undefined && Number.isInteger(seconds) ? seconds : undefined;
}

export const createScheduleBody = z
  .strictObject({
    /** The schedule's name within the model; `default` when none is given. */
    id: scheduleId.default('default'),
    /** A cron expression (5 fields, or Temporal's extensions such as `@daily`), in UTC. */
    cron: z.string().trim().min(1).max(200).optional(),
    /** An interval: seconds, or "30m", "6h", "1d". */
    every: duration.optional(),
    paused: z.boolean().default(false),
    /** After downtime, ticks missed by at most this long still run (at least 10 s; default 1h). */
    catchupWindow: duration.default('1h'),
    /** What a tick does while the previous tick's request is still being delivered. */
    overlap: z.enum(['skip', 'buffer_one']).default('skip'),
    note: z.string().max(2000).default(''),
  })
  .superRefine((body, ctx) => {
    if ((body.cron === undefined) === (body.every === undefined)) {
      ctx.addIssue({ code: 'custom', path: body.cron === undefined ? [] : ['every'], message: 'give exactly one of cron and every' });
    }
    if (body.every !== undefined && wholeSeconds(body.every) === undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: durationMessage });
    const catchup = wholeSeconds(body.catchupWindow);
    if (catchup === undefined || catchup < 10) ctx.addIssue({ code: 'custom', path: ['catchupWindow'], message: `${durationMessage}, at least 10 s` });
  });
export type CreateScheduleBody = z.input<typeof createScheduleBody>;

export const pauseScheduleBody = z.strictObject({ reason: z.string().min(1).max(2000).optional() });

export interface RetrainScheduleRouteDeps {
  schedules: RetrainScheduleGateway;
  registry: RegistryStore;
  /** The task queue the scheduled workflows run on (the control API's). */
  taskQueue: string;
}

function formatSeconds(seconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** A schedule as the API shows it: the registry's definition and, when Temporal has it, its runtime. */
export function scheduleView(s: RetrainSchedule, runtime: ScheduleRuntime | undefined) {
  return {
    id: s.id,
    model: s.modelName,
    temporalScheduleId: temporalScheduleId(s.modelName, s.id),
    spec: s.cron !== null ? { cron: s.cron } : { every: formatSeconds(s.everySeconds!), everySeconds: s.everySeconds! },
    paused: runtime?.paused ?? s.paused,
    pauseReason: s.pauseReason,
    overlap: s.overlap,
    catchupWindowSeconds: s.catchupWindowSeconds,
    note: s.note,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    updatedBy: s.updatedBy,
    updatedAt: s.updatedAt,
    /** null while Temporal lacks the schedule (recreated at the next API start, or by pause, resume or trigger). */
    temporal: runtime
      ? {
          nextActionTimes: runtime.nextActionTimes,
          recentActions: runtime.recentActions,
          runningWorkflows: runtime.runningWorkflows,
          actionCount: runtime.actionCount,
          skippedOverlap: runtime.skippedOverlap,
          missedCatchupWindow: runtime.missedCatchupWindow,
        }
      : null,
  };
}
export type ScheduleView = ReturnType<typeof scheduleView>;

const scheduleViewSchema = typedObject<ScheduleView>('RetrainSchedule', "A retraining schedule: its spec (cron, or every), paused state, overlap and catch-up policy, note, who made and changed it, and Temporal's view of it (null while Temporal lacks it).", {
  id: { type: 'string' },
  model: { type: 'string' },
  spec: { type: 'object' },
  paused: { type: 'boolean' },
  temporal: { type: 'object' },
});
const tag = ['retraining'];

const createScheduleRoute = apiRoute(
  { roles: ['admin'], errors: [409] },
  {
    method: 'post',
    path: '/{name}/schedules',
    tags: tag,
    summary: 'Creates a retraining schedule (a Temporal Schedule) for the model',
    request: { params: modelParam, body: jsonBody(createScheduleBody) },
    responses: { 201: jsonAnswer(scheduleViewSchema, 'created') },
  },
);
const listSchedulesRoute = apiRoute(
  { roles: ['viewer'] },
  { method: 'get', path: '/{name}/schedules', tags: tag, summary: "The model's retraining schedules", request: { params: modelParam }, responses: { 200: jsonAnswer(z.object({ schedules: z.array(scheduleViewSchema) }), 'the schedules') } },
);
const getScheduleRoute = apiRoute(
  { roles: ['viewer'] },
  { method: 'get', path: '/{name}/schedules/{id}', tags: tag, summary: 'One retraining schedule', request: { params: scheduleParam }, responses: { 200: jsonAnswer(scheduleViewSchema, 'the schedule') } },
);
const pauseScheduleRoute = apiRoute(
  { roles: ['admin'] },
  {
    method: 'post',
    path: '/{name}/schedules/{id}/pause',
    tags: tag,
    summary: 'Pauses a schedule',
    request: { params: scheduleParam, body: jsonBody(pauseScheduleBody) },
    responses: { 200: jsonAnswer(scheduleViewSchema, 'paused') },
  },
);
const resumeScheduleRoute = apiRoute(
  { roles: ['admin'] },
  { method: 'post', path: '/{name}/schedules/{id}/resume', tags: tag, summary: 'Resumes a paused schedule', request: { params: scheduleParam }, responses: { 200: jsonAnswer(scheduleViewSchema, 'resumed') } },
);
const triggerScheduleRoute = apiRoute(
  { roles: ['admin'] },
  {
    method: 'post',
    path: '/{name}/schedules/{id}/trigger',
    tags: tag,
    summary: 'Runs a tick of the schedule now',
    request: { params: scheduleParam },
    responses: { 202: jsonAnswer(z.object({ triggered: z.literal(true), schedule: scheduleViewSchema }), 'triggered') },
  },
);
const deleteScheduleRoute = apiRoute(
  { roles: ['admin'] },
  { method: 'delete', path: '/{name}/schedules/{id}', tags: tag, summary: 'Deletes a schedule (in Temporal and the registry)', request: { params: scheduleParam }, responses: { 204: { description: 'deleted' } } },
);

export function retrainScheduleRoutes({ schedules, registry, taskQueue }: RetrainScheduleRouteDeps) {
  async function requireSchedule(model: string, id: string): Promise<RetrainSchedule> {
    await registry.requireModel(model);
    const schedule = await registry.getRetrainSchedule(model, id);
    if (!schedule) throw new WindsockError('not_found', `model '${model}' has no retraining schedule '${id}'`);
    return schedule;
  }

  async function view(schedule: RetrainSchedule) {
    return scheduleView(schedule, await schedules.describe(schedule.modelName, schedule.id));
  }

  /** Sets the paused state in Temporal (recreating the schedule there if it went missing), then in the registry. */
  async function setPaused(schedule: RetrainSchedule, paused: boolean, reason: string | null, by: string) {
    const note = paused ? `paused by ${by}${reason ? `: ${reason}` : ''}` : `resumed by ${by}`;
    const done = paused ? await schedules.pause(schedule.modelName, schedule.id, note) : await schedules.resume(schedule.modelName, schedule.id, note);
    if (!done) await schedules.create({ ...schedule, paused, pauseReason: reason }, taskQueue);
    await registry.setRetrainSchedulePaused(schedule.modelName, schedule.id, paused, reason, by);
    const at = Date.now();
    await registry.appendAudit({
      dedupeKey: `schedule:${schedule.modelName}:${schedule.id}:${paused ? 'paused' : 'resumed'}:${at}`,
      actor: by,
      event: paused ? 'schedule.paused' : 'schedule.resumed',
      modelName: schedule.modelName,
      details: { id: schedule.id, reason },
    });
    return view((await registry.getRetrainSchedule(schedule.modelName, schedule.id))!);
  }

  return openApiRoutes()
    .openapi(createScheduleRoute, async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      if (!model.template.retrain) {
        throw new WindsockError('bad_request', `model '${model.name}' has no retrain settings: set retrain.dataset in its template to where fresh data lands`);
      }
      const body = c.req.valid('json');
      const conflict = () => new WindsockError('conflict', `model '${model.name}' already has a retraining schedule '${body.id}': delete it first or pick another id`);
      if (await registry.getRetrainSchedule(model.name, body.id)) throw conflict();
      const by = c.get('principal').name;
      const now = new Date();
      const schedule: RetrainSchedule = {
        modelName: model.name,
        id: body.id,
        cron: body.cron ?? null,
        everySeconds: body.every === undefined ? null : wholeSeconds(body.every)!,
        paused: body.paused,
        pauseReason: body.paused ? `paused at creation by ${by}` : null,
        catchupWindowSeconds: wholeSeconds(body.catchupWindow)!,
        overlap: body.overlap,
        note: body.note,
        createdBy: by,
        createdAt: now,
        updatedBy: by,
        updatedAt: now,
      };
      // Temporal first: when it refuses (an invalid cron), the registry is left untouched.
      if ((await schedules.create(schedule, taskQueue)) === 'exists') {
        throw new WindsockError('conflict', `Temporal already has a schedule '${temporalScheduleId(model.name, body.id)}' that Windsock does not know: DELETE /v1/models/${model.name}/schedules/${body.id} removes it`);
      }
      let stored = false;
      try {
        stored = await registry.insertRetrainSchedule(schedule);
      } finally {
        if (!stored) await schedules.delete(model.name, body.id);
      }
      if (!stored) throw conflict();
      await registry.appendAudit({
        dedupeKey: `schedule:${model.name}:${body.id}:created:${now.getTime()}`,
        actor: by,
        event: 'schedule.created',
        modelName: model.name,
        details: { id: body.id, cron: schedule.cron, everySeconds: schedule.everySeconds, paused: schedule.paused },
      });
      return c.json(await view(schedule), 201);
    })
    .openapi(listSchedulesRoute, async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      const list = await registry.listRetrainSchedules(model.name);
      return c.json({ schedules: await Promise.all(list.map(view)) }, 200);
    })
    .openapi(getScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      return c.json(await view(await requireSchedule(name, id)), 200);
    })
    .openapi(pauseScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      const schedule = await requireSchedule(name, id);
      const by = c.get('principal').name;
      return c.json(await setPaused(schedule, true, c.req.valid('json').reason ?? null, by), 200);
    })
    .openapi(resumeScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      return c.json(await setPaused(await requireSchedule(name, id), false, null, c.get('principal').name), 200);
    })
    .openapi(triggerScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      const schedule = await requireSchedule(name, id);
      if (!(await schedules.trigger(name, id))) {
        await schedules.create(schedule, taskQueue);
        await schedules.trigger(name, id);
      }
      return c.json({ triggered: true as const, schedule: await view(schedule) }, 202);
    })
    .openapi(deleteScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      await registry.requireModel(name);
      const schedule = await registry.getRetrainSchedule(name, id);
      // Also removes a Temporal schedule that the registry lacks (one made behind Windsock's back).
      const inTemporal = await schedules.delete(name, id);
      if (!schedule && !inTemporal) throw new WindsockError('not_found', `model '${name}' has no retraining schedule '${id}'`);
      await registry.deleteRetrainSchedule(name, id);
      await registry.appendAudit({
        dedupeKey: `schedule:${name}:${id}:deleted:${Date.now()}`,
        actor: c.get('principal').name,
        event: 'schedule.deleted',
        modelName: name,
        details: { id },
      });
      return c.body(null, 204);
    });
}
