// The serving side's state: published versions, traffic weights, metric sketches and drift reports.
// One drizzle SQLite schema over D1 on Workers and libSQL on Node.
import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { ModelSignature } from '../../core/serving/model-signature';
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import { WindsockError } from '../../core/windsock-error';
import * as schema from '../../drizzle/edge-schema';

export type ServingDb = BaseSQLiteDatabase<'async', unknown, typeof schema>;

export interface Deployment {
  modelName: string;
  version: number;
  artifactKey: string;
  artifactSha256: string;
  signature: ModelSignature;
  referenceProfile: ReferenceProfile;
  publishedBy: string;
  publishedAt: Date;
}

export interface TrafficWeights {
  weights: Record<string, number>;
  step: number;
}

type SketchRows = Array<{ modelName: string; version: number; minute: number; sketch: unknown }>;

export class ServingStore {
  constructor(readonly db: ServingDb) {}

  async getDeployment(modelName: string, version: number): Promise<Deployment | undefined> {
    const [row] = await this.db
      .select()
      .from(schema.deployments)
      .where(and(eq(schema.deployments.modelName, modelName), eq(schema.deployments.version, version)));
    return row as Deployment | undefined;
  }

  async listDeployments(modelName: string): Promise<Deployment[]> {
    const rows = await this.db
      .select()
      .from(schema.deployments)
      .where(eq(schema.deployments.modelName, modelName))
      .orderBy(asc(schema.deployments.version));
    return rows as Deployment[];
  }

  async listModels(): Promise<string[]> {
    const rows = await this.db.selectDistinct({ modelName: schema.deployments.modelName }).from(schema.deployments);
    return rows.map((r) => r.modelName);
  }

  /** Publishing the same version with the same bytes again changes nothing; other bytes are a conflict. */
  async publish(deployment: Deployment): Promise<'created' | 'unchanged'> {
    const existing = await this.getDeployment(deployment.modelName, deployment.version);
    if (existing) {
      if (existing.artifactSha256 === deployment.artifactSha256) return 'unchanged';
      throw new WindsockError(
        'conflict',
        `${deployment.modelName} v${deployment.version} is already published with sha256 ${existing.artifactSha256}; versions are immutable`,
      );
    }
    await this.db.insert(schema.deployments).values(deployment).onConflictDoNothing();
    return 'created';
  }

  async unpublish(modelName: string, version: number): Promise<void> {
    await this.db
      .delete(schema.deployments)
      .where(and(eq(schema.deployments.modelName, modelName), eq(schema.deployments.version, version)));
  }

  async getTraffic(modelName: string): Promise<TrafficWeights | undefined> {
    const [row] = await this.db.select().from(schema.traffic).where(eq(schema.traffic.modelName, modelName));
    return row ? { weights: row.weights as Record<string, number>, step: row.step } : undefined;
  }

  /**
   * Applies weights only at a step past the current one, in one statement: a stale change (a
   * rollout's next step after a rollback took the same number) never overwrites a newer one. The same
   * step with the same weights is a retry of the change that made it, and counts as applied.
   */
  async setTraffic(modelName: string, weights: Record<string, number>, step: number, by: string): Promise<{ applied: boolean; current: TrafficWeights }> {
    const now = new Date();
    const json = JSON.stringify(weights);
    await this.db
      .insert(schema.traffic)
      .values({ modelName, weights, step, updatedBy: by, updatedAt: now })
      .onConflictDoUpdate({
        target: schema.traffic.modelName,
        set: { weights, step, updatedBy: by, updatedAt: now },
        setWhere: sql`${schema.traffic.step} < ${step}`,
      });
    const current = (await this.getTraffic(modelName))!;
    return { applied: current.step === step && JSON.stringify(current.weights) === json, current };
  }

  async appendSketches(rows: SketchRows): Promise<void> {
    if (rows.length === 0) return;
    await this.sketchInsert(rows);
  }

  /** The insert appendSketches runs, for a writer that runs it elsewhere (toSQL()). */
  sketchInsert(rows: SketchRows) {
    return this.db.insert(schema.sketches).values(rows);
  }

  async readSketches(modelName: string, fromMinute: number, toMinute: number, version?: number) {
    return this.db
      .select({ version: schema.sketches.version, minute: schema.sketches.minute, sketch: schema.sketches.sketch })
      .from(schema.sketches)
      .where(
        and(
          eq(schema.sketches.modelName, modelName),
          gte(schema.sketches.minute, fromMinute),
          lte(schema.sketches.minute, toMinute),
          version === undefined ? undefined : eq(schema.sketches.version, version),
        ),
      );
  }

  /**
   * Deletes up to `limit` sketch rows of minutes before `beforeMinute`, in one short statement (the
   * index on minute finds them); returns how many went. Callers loop for more, a bounded number of times.
   */
  async pruneSketches(beforeMinute: number, limit: number): Promise<number> {
    const old = this.db.select({ id: schema.sketches.id }).from(schema.sketches).where(lt(schema.sketches.minute, beforeMinute)).limit(limit);
    const deleted = await this.db.delete(schema.sketches).where(inArray(schema.sketches.id, old)).returning({ id: schema.sketches.id });
    return deleted.length;
  }

  /** Deletes up to `limit` drift reports computed before `before`, as pruneSketches does. */
  async pruneDriftReports(before: Date, limit: number): Promise<number> {
    const old = this.db.select({ id: schema.driftReports.id }).from(schema.driftReports).where(lt(schema.driftReports.computedAt, before)).limit(limit);
    const deleted = await this.db.delete(schema.driftReports).where(inArray(schema.driftReports.id, old)).returning({ id: schema.driftReports.id });
    return deleted.length;
  }

  async saveDriftReport(row: typeof schema.driftReports.$inferInsert): Promise<void> {
    await this.db.insert(schema.driftReports).values(row);
  }

  async latestDriftReports(modelName: string, limit = 20) {
    return this.db
      .select()
      .from(schema.driftReports)
      .where(eq(schema.driftReports.modelName, modelName))
      .orderBy(desc(schema.driftReports.computedAt))
      .limit(limit);
  }

  async getTemplate(modelName: string): Promise<unknown | undefined> {
    const [row] = await this.db.select().from(schema.pipelineTemplates).where(eq(schema.pipelineTemplates.modelName, modelName));
    return row?.template;
  }

  async templateNames(): Promise<string[]> {
    return (await this.db.select({ modelName: schema.pipelineTemplates.modelName }).from(schema.pipelineTemplates)).map((r) => r.modelName);
  }

  async putTemplate(modelName: string, template: unknown): Promise<void> {
    const now = new Date();
    await this.db
      .insert(schema.pipelineTemplates)
      .values({ modelName, template, updatedAt: now })
      .onConflictDoUpdate({ target: schema.pipelineTemplates.modelName, set: { template, updatedAt: now } });
  }

  async getDriftPolicy(modelName: string): Promise<unknown | undefined> {
    const [row] = await this.db.select().from(schema.modelPolicies).where(eq(schema.modelPolicies.modelName, modelName));
    return row?.driftPolicy;
  }

  async getRetrainPolicy(modelName: string): Promise<{ policy: unknown; lastTriggeredAt: Date | null } | undefined> {
    const [row] = await this.db.select().from(schema.modelPolicies).where(eq(schema.modelPolicies.modelName, modelName));
    return row?.retrainPolicy ? { policy: row.retrainPolicy, lastTriggeredAt: row.retrainTriggeredAt } : undefined;
  }

  /** A model without a drift policy row gets the default drift policy (`{}`) beside its retrain policy. */
  async setRetrainPolicy(modelName: string, policy: unknown): Promise<void> {
    const now = new Date();
    await this.db
      .insert(schema.modelPolicies)
      .values({ modelName, driftPolicy: {}, retrainPolicy: policy, updatedAt: now })
      .onConflictDoUpdate({ target: schema.modelPolicies.modelName, set: { retrainPolicy: policy, updatedAt: now } });
  }

  async markRetrainTriggered(modelName: string, at: Date): Promise<void> {
    await this.db.update(schema.modelPolicies).set({ retrainTriggeredAt: at }).where(eq(schema.modelPolicies.modelName, modelName));
  }

  async setDriftPolicy(modelName: string, policy: unknown): Promise<void> {
    const now = new Date();
    await this.db
      .insert(schema.modelPolicies)
      .values({ modelName, driftPolicy: policy, updatedAt: now })
      .onConflictDoUpdate({ target: schema.modelPolicies.modelName, set: { driftPolicy: policy, updatedAt: now } });
  }
}
