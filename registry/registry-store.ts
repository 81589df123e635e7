// The model registry, the system of record: models, versions, aliases, approvals and the audit log.
// Writes that a retried activity may repeat are idempotent (keyed by pipeline run or dedupe key).
import { and, asc, desc, eq, gte, lt, max, or, sql } from 'drizzle-orm';
import { WindsockError } from '../core/windsock-error';
import type { PipelineTemplate } from '../core/pipeline/pipeline-template';
import { canonicalJson } from '../core/canonical-json';
import { aliases, approvals, auditEvents, models, modelTemplateRevisions, modelVersions, retrainSchedules } from '../drizzle/schema';
import { appendChainedAudit, verifyStoredAudit, type AuditVerification } from './audit-chain-writer';
import type { RegistryDb } from './open-registry';
import type { AuditEvent, AuditPageFilter, Model, ModelVersion, NewVersion, RetrainSchedule, SavedTemplate, VersionStatus } from './registry-types';

export const CHAMPION = 'champion';

type VersionRow = typeof modelVersions.$inferSelect;

function toVersion(row: VersionRow): ModelVersion {
  const { id: _id, ...rest } = row;
  return rest;
}

export class RegistryStore {
  /** The tail of this store's queue of audit appends. */
  #auditAppends: Promise<void> = Promise.resolve();

  constructor(readonly db: RegistryDb) {}

  /**
   * Registers a model (revision 1), or makes its next template revision when the template or the
   * description differ from the current one; the same again changes nothing. Audited.
   */
  async saveTemplate(name: string, template: PipelineTemplate, description: string, by: string): Promise<SavedTemplate> {
    return this.db.transaction(async (tx) => {
      const now = new Date();
      const [current] = await tx.select().from(models).where(eq(models.name, name));
      if (current && canonicalJson(current.template) === canonicalJson(template) && current.description === description) {
        return { revision: current.revision, outcome: 'unchanged' as const };
      }
      const revision = current ? current.revision + 1 : 1;
      if (current) await tx.update(models).set({ template, description, revision }).where(eq(models.name, name));
      else await tx.insert(models).values({ name, template, description, revision, createdBy: by, createdAt: now });
      await tx.insert(modelTemplateRevisions).values({ modelName: name, revision, template, description, createdBy: by, createdAt: now });
      await appendChainedAudit(tx, {
        dedupeKey: `model-template:${name}:${revision}`,
        actor: by,
        event: current ? 'model.template_revised' : 'model.registered',
        modelName: name,
        details: { revision, ...(current ? { changed: changedFields(current.template, template, current.description, description) } : {}) },
      });
      return { revision, outcome: current ? ('revised' as const) : ('created' as const) };
    });
  }

  /** A model's template revisions, newest first. */
  async listTemplateRevisions(name: string) {
    return this.db.select().from(modelTemplateRevisions).where(eq(modelTemplateRevisions.modelName, name)).orderBy(desc(modelTemplateRevisions.revision));
  }

  async getModel(name: string): Promise<Model | undefined> {
    const [row] = await this.db.select().from(models).where(eq(models.name, name));
    return row;
  }

  async requireModel(name: string): Promise<Model> {
    const model = await this.getModel(name);
    if (!model) {
      const known = (await this.db.select({ name: models.name }).from(models)).map((m) => m.name);
      throw new WindsockError('not_found', `unknown model '${name}'; known models: ${known.join(', ') || 'none'}`);
    }
    return model;
  }

  async listModels(): Promise<Array<Model & { latestVersion: number | null; champion: number | null }>> {
    const rows = await this.db.select().from(models).orderBy(asc(models.name));
    const latest = await this.db
      .select({ modelName: modelVersions.modelName, latest: max(modelVersions.version) })
      .from(modelVersions)
      .groupBy(modelVersions.modelName);
    const champions = await this.db.select().from(aliases).where(eq(aliases.alias, CHAMPION));
    return rows.map((m) => ({
      ...m,
      latestVersion: latest.find((l) => l.modelName === m.name)?.latest ?? null,
      champion: champions.find((c) => c.modelName === m.name)?.version ?? null,
    }));
  }

  /**
   * Registers the next version of a model. A retry of the same pipeline run returns the version it
   * already registered instead of creating a second one.
   */
  async registerVersion(input: NewVersion): Promise<{ version: number; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ version: modelVersions.version })
        .from(modelVersions)
        .where(eq(modelVersions.pipelineRunId, input.pipelineRunId));
      if (existing) return { version: existing.version, created: false };
      const [{ latest } = { latest: null }] = await tx
        .select({ latest: max(modelVersions.version) })
        .from(modelVersions)
        .where(eq(modelVersions.modelName, input.modelName));
      const version = (latest ?? 0) + 1;
      const now = new Date();
      await tx.insert(modelVersions).values({ ...input, version, status: 'pending_approval', createdAt: now, updatedAt: now });
      await appendChainedAudit(tx, {
        dedupeKey: `${input.pipelineRunId}:version.registered`,
        actor: input.createdBy,
        event: 'version.registered',
        modelName: input.modelName,
        version,
        pipelineId: input.pipelineId,
        details: { artifactSha256: input.artifactSha256, metrics: input.metrics },
      });
      return { version, created: true };
    });
  }

  async getVersion(modelName: string, version: number): Promise<ModelVersion | undefined> {
    const [row] = await this.db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.modelName, modelName), eq(modelVersions.version, version)));
    return row ? toVersion(row) : undefined;
  }

  async requireVersion(modelName: string, version: number): Promise<ModelVersion> {
    const found = await this.getVersion(modelName, version);
    if (!found) throw new WindsockError('not_found', `model '${modelName}' has no version ${version}`);
    return found;
  }

  async listVersions(modelName: string): Promise<ModelVersion[]> {
    const rows = await this.db
      .select()
      .from(modelVersions)
      .where(eq(modelVersions.modelName, modelName))
      .orderBy(desc(modelVersions.version));
    return rows.map(toVersion);
  }

  async setVersionStatus(modelName: string, version: number, status: VersionStatus, reason: string | null): Promise<void> {
    await this.db
      .update(modelVersions)
      .set({ status, statusReason: reason, updatedAt: new Date() })
      .where(and(eq(modelVersions.modelName, modelName), eq(modelVersions.version, version)));
  }

  /** Records a human (or deadline) decision once per pipeline and moves the version's status with it. */
  async recordDecision(input: {
    modelName: string;
    version: number;
    pipelineId: string;
    principal: string;
    decision: 'approved' | 'rejected' | 'timed_out';
    comment: string;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [already] = await tx
        .select({ id: approvals.id })
        .from(approvals)
        .where(and(eq(approvals.pipelineId, input.pipelineId), eq(approvals.version, input.version), eq(approvals.modelName, input.modelName)));
      if (already) return;
      const now = new Date();
      await tx.insert(approvals).values({ ...input, decidedAt: now });
      const status: VersionStatus = input.decision === 'approved' ? 'approved' : 'rejected';
      const reason = input.decision === 'timed_out' ? 'approval timed out' : input.comment || null;
      await tx
        .update(modelVersions)
        .set({ status, statusReason: reason, updatedAt: now })
        .where(and(eq(modelVersions.modelName, input.modelName), eq(modelVersions.version, input.version)));
      await appendChainedAudit(tx, {
        dedupeKey: `${input.pipelineId}:${input.modelName}:${input.version}:decision`,
        actor: input.principal,
        event: `approval.${input.decision}`,
        modelName: input.modelName,
        version: input.version,
        pipelineId: input.pipelineId,
        details: { comment: input.comment },
      });
    });
  }

  async listApprovals(modelName: string, version: number) {
    return this.db
      .select()
      .from(approvals)
      .where(and(eq(approvals.modelName, modelName), eq(approvals.version, version)))
      .orderBy(asc(approvals.decidedAt));
  }

  /** Points an alias at a version; the version it pointed at before is kept for rollback. */
  async setAlias(modelName: string, alias: string, version: number, by: string, pipelineId?: string): Promise<{ previous: number | null }> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(aliases)
        .where(and(eq(aliases.modelName, modelName), eq(aliases.alias, alias)));
      if (current?.version === version) return { previous: current.previousVersion };
      const now = new Date();
      const previous = current?.version ?? null;
      await tx
        .insert(aliases)
        .values({ modelName, alias, version, previousVersion: previous, updatedBy: by, updatedAt: now })
        .onConflictDoUpdate({
          target: [aliases.modelName, aliases.alias],
          set: { version, previousVersion: previous, updatedBy: by, updatedAt: now },
        });
      await appendChainedAudit(tx, {
        dedupeKey: `alias:${modelName}:${alias}:${version}:${now.getTime()}`,
        actor: by,
        event: 'alias.moved',
        modelName,
        version,
        pipelineId,
        details: { alias, previous },
      });
      return { previous };
    });
  }

  async getAlias(modelName: string, alias: string): Promise<{ version: number; previousVersion: number | null } | undefined> {
    const [row] = await this.db
      .select({ version: aliases.version, previousVersion: aliases.previousVersion })
      .from(aliases)
      .where(and(eq(aliases.modelName, modelName), eq(aliases.alias, alias)));
    return row;
  }

  async listAliases(modelName: string) {
    return this.db.select().from(aliases).where(eq(aliases.modelName, modelName));
  }

  /**
   * Appends an audit event to the hash chain; the same dedupe key twice writes one row. This
   * process's appends go one at a time (each would otherwise retry against the others'); other
   * processes' are settled by the append itself.
   */
  async appendAudit(event: AuditEvent): Promise<void> {
    const append = this.#auditAppends.then(() => appendChainedAudit(this.db, event));
    this.#auditAppends = append.then(
      () => undefined,
      () => undefined,
    );
    await append;
  }

  /** Stores a new retraining schedule; `false` when the model already has one with this id. */
  async insertRetrainSchedule(schedule: RetrainSchedule): Promise<boolean> {
    const inserted = await this.db.insert(retrainSchedules).values(schedule).onConflictDoNothing().returning({ id: retrainSchedules.id });
    return inserted.length > 0;
  }

  async getRetrainSchedule(modelName: string, id: string): Promise<RetrainSchedule | undefined> {
    const [row] = await this.db
      .select()
      .from(retrainSchedules)
      .where(and(eq(retrainSchedules.modelName, modelName), eq(retrainSchedules.id, id)));
    return row;
  }

  /** A model's schedules, or every model's when no model is named (reconciliation at start). */
  async listRetrainSchedules(modelName?: string): Promise<RetrainSchedule[]> {
    return this.db
      .select()
      .from(retrainSchedules)
      .where(modelName === undefined ? sql`1 = 1` : eq(retrainSchedules.modelName, modelName))
      .orderBy(asc(retrainSchedules.modelName), asc(retrainSchedules.id));
  }

  async setRetrainSchedulePaused(modelName: string, id: string, paused: boolean, reason: string | null, by: string): Promise<void> {
    await this.db
      .update(retrainSchedules)
      .set({ paused, pauseReason: paused ? reason : null, updatedBy: by, updatedAt: new Date() })
      .where(and(eq(retrainSchedules.modelName, modelName), eq(retrainSchedules.id, id)));
  }

  async deleteRetrainSchedule(modelName: string, id: string): Promise<void> {
    await this.db.delete(retrainSchedules).where(and(eq(retrainSchedules.modelName, modelName), eq(retrainSchedules.id, id)));
  }

  /** Every event of a model or pipeline, oldest first (tests and tools; the API pages with listAuditPage). */
  async listAudit(filter: { modelName?: string; pipelineId?: string; limit?: number } = {}) {
    const conditions = [
      filter.modelName ? eq(auditEvents.modelName, filter.modelName) : undefined,
      filter.pipelineId ? eq(auditEvents.pipelineId, filter.pipelineId) : undefined,
    ].filter((c) => c !== undefined);
    return this.db
      .select()
      .from(auditEvents)
      .where(conditions.length ? and(...conditions) : sql`1 = 1`)
      .orderBy(asc(auditEvents.id))
      .limit(filter.limit ?? 1000);
  }

  /**
   * One page of the audit log, newest first, filtered in SQL; `nextBeforeId` continues it (null on
   * the last page). `action` is an event name, or a prefix of names when it ends in a dot.
   */
  async listAuditPage(filter: AuditPageFilter) {
    const { action } = filter;
    const conditions = [
      filter.modelName !== undefined ? eq(auditEvents.modelName, filter.modelName) : undefined,
      filter.actor !== undefined ? eq(auditEvents.actor, filter.actor) : undefined,
      action === undefined ? undefined : action.endsWith('.') ? sql`substr(${auditEvents.event}, 1, ${action.length}) = ${action}` : eq(auditEvents.event, action),
      filter.from !== undefined ? gte(auditEvents.at, filter.from) : undefined,
      filter.to !== undefined ? lt(auditEvents.at, filter.to) : undefined,
      filter.beforeId !== undefined ? lt(auditEvents.id, filter.beforeId) : undefined,
    ].filter((c) => c !== undefined);
    const rows = await this.db
      .select()
      .from(auditEvents)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(auditEvents.id))
      .limit(filter.limit + 1);
    const events = rows.slice(0, filter.limit);
    return { events, nextBeforeId: rows.length > filter.limit ? events.at(-1)!.id : null };
  }

  /** The newest events of one version, or of the pipeline that made it, newest first. */
  async listVersionAudit(modelName: string, version: number, pipelineId: string, limit = 200) {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.modelName, modelName), or(eq(auditEvents.version, version), eq(auditEvents.pipelineId, pipelineId))))
      .orderBy(desc(auditEvents.id))
      .limit(limit);
  }

  /** Walks the whole audit chain: whether every event links to the one before and still has its hash. */
  async verifyAudit(): Promise<AuditVerification> {
    return verifyStoredAudit(this.db);
  }
}

/** The top-level template fields (and the description) one revision changes. */
function changedFields(before: PipelineTemplate, after: PipelineTemplate, beforeDescription: string, afterDescription: string): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((key) => canonicalJson(before[key as keyof PipelineTemplate]) !== canonicalJson(after[key as keyof PipelineTemplate]));
  return beforeDescription === afterDescription ? changed : ['description', ...changed];
}
