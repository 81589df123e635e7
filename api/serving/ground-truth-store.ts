// Ground truth on the serving side: what was predicted for a request (written in the recorder's
// batches), the labels clients send for it, and their join per version and window. Each batch is one
// statement whatever its size: the rows travel as one JSON parameter (D1 binds at most 100).
import { and, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import * as schema from '../../drizzle/edge-schema';
import type { LabelledCell } from '../../core/monitoring/live-accuracy';
import type { ServingDb } from './serving-store';
import { drainInBatches } from './bounded-prune';

export interface PredictionRow {
  modelName: string;
  requestId: string;
  version: number;
  predictedClass: number;
  /** Epoch ms. */
  servedAt: number;
}

/** Where the recorder writes the predictions it remembers: the store, or on Node a writer off the event loop. */
export interface PredictionSink {
  appendPredictions(rows: PredictionRow[]): Promise<void>;
}

export interface RememberedPrediction {
  version: number;
  predictedClass: number;
}

export interface VersionCells {
  version: number;
  cells: LabelledCell[];
}

const p = schema.predictions;
const l = schema.labels;

export class GroundTruthStore implements PredictionSink {
  /** predictionInsert's SQL, which does not depend on the rows (they are its one parameter). */
  private insertSql: string | undefined;

  constructor(readonly db: ServingDb) {}

  /**
   * The insert appendPredictions runs, for a writer that runs it elsewhere (toSQL()). The first
   * prediction remembered for an id stands: a client that reuses an id labels what it was first told.
   */
  predictionInsert(rows: readonly PredictionRow[]) {
    const packed = packPredictions(rows);
    return this.db
      .insert(p)
      .select(
        sql`SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(${packed}) WHERE true`,
      )
      .onConflictDoNothing();
  }

  /** predictionInsert(rows).toSQL() without building the query again: the SQL is built once (a writer thread runs it). */
  predictionStatement(rows: readonly PredictionRow[]): { sql: string; params: unknown[] } {
    this.insertSql ??= this.predictionInsert([]).toSQL().sql;
    return { sql: this.insertSql, params: [packPredictions(rows)] };
  }

  async appendPredictions(rows: PredictionRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.predictionInsert(rows);
  }

  /** The remembered predictions among `requestIds`, by id; ids not remembered (or aged out) are absent. */
  async predictionsFor(modelName: string, requestIds: readonly string[]): Promise<Map<string, RememberedPrediction>> {
    if (requestIds.length === 0) return new Map();
    const rows = await this.db
      .select({ requestId: p.requestId, version: p.version, predictedClass: p.predictedClass })
      .from(p)
      .where(and(eq(p.modelName, modelName), sql`${p.requestId} IN (SELECT value FROM json_each(${JSON.stringify(requestIds)}))`));
    return new Map(rows.map((r) => [r.requestId, { version: r.version, predictedClass: r.predictedClass }]));
  }

  /** Stores labels (true class indices) in one statement; a later label for an id replaces the earlier one. */
  async saveLabels(modelName: string, items: readonly { requestId: string; label: number }[], at: Date): Promise<void> {
    if (items.length === 0) return;
    const packed = JSON.stringify(items.map((i) => [i.requestId, i.label]));
    await this.db
      .insert(l)
      .select(sql`SELECT ${modelName}, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ${at.getTime()} FROM json_each(${packed}) WHERE true`)
      .onConflictDoUpdate({ target: [l.modelName, l.requestId], set: { label: sql`excluded.label`, labelledAt: sql`excluded.labelled_at` } });
  }

  /** Labelled predictions served in [from, to], counted per version, true and predicted class. */
  async labelledCells(modelName: string, from: number, to: number, version?: number): Promise<VersionCells[]> {
    const rows = await this.db
      .select({
        version: p.version,
        label: l.label,
        predicted: p.predictedClass,
        count: sql<number>`count(*)`,
        delayMsSum: sql<number>`sum(max(0, ${l.labelledAt} - ${p.servedAt}))`,
        delayMsMax: sql<number>`max(max(0, ${l.labelledAt} - ${p.servedAt}))`,
      })
      .from(p)
      .innerJoin(l, and(eq(l.modelName, p.modelName), eq(l.requestId, p.requestId)))
      .where(and(...this.window(modelName, from, to, version)))
      .groupBy(p.version, l.label, p.predictedClass);
    const byVersion = new Map<number, LabelledCell[]>();
    for (const r of rows) {
      const cells = byVersion.get(r.version) ?? byVersion.set(r.version, []).get(r.version)!;
      cells.push({ label: r.label, predicted: r.predicted, count: Number(r.count), delayMsSum: Number(r.delayMsSum), delayMsMax: Number(r.delayMsMax) });
    }
    return [...byVersion].map(([v, cells]) => ({ version: v, cells }));
  }

  /** Predictions remembered per version, served in [from, to]: what labels could cover. */
  async predictionCounts(modelName: string, from: number, to: number, version?: number): Promise<Map<number, number>> {
    const rows = await this.db
      .select({ version: p.version, count: sql<number>`count(*)` })
      .from(p)
      .where(and(...this.window(modelName, from, to, version)))
      .groupBy(p.version);
    return new Map(rows.map((r) => [r.version, Number(r.count)]));
  }

  private window(modelName: string, from: number, to: number, version?: number) {
    return [eq(p.modelName, modelName), gte(p.servedAt, new Date(from)), lte(p.servedAt, new Date(to)), version === undefined ? undefined : eq(p.version, version)];
  }

  /** Deletes up to `limit` predictions served before `before`, in one short statement; returns how many went. */
  async prunePredictions(before: Date, limit: number): Promise<number> {
    const old = this.db.select({ rowid: sql`rowid` }).from(p).where(lt(p.servedAt, before)).limit(limit);
    const deleted = await this.db.delete(p).where(inArray(sql`rowid`, old)).returning({ requestId: p.requestId });
    return deleted.length;
  }

  /** As prunePredictions, for labels given before `before` (their predictions are older still). */
  async pruneLabels(before: Date, limit: number): Promise<number> {
    const old = this.db.select({ rowid: sql`rowid` }).from(l).where(lt(l.labelledAt, before)).limit(limit);
    const deleted = await this.db.delete(l).where(inArray(sql`rowid`, old)).returning({ requestId: l.requestId });
    return deleted.length;
  }
}

function packPredictions(rows: readonly PredictionRow[]): string {
  return JSON.stringify(rows.map((r) => [r.modelName, r.requestId, r.version, r.predictedClass, r.servedAt]));
}

export interface GroundTruthPruneResult {
  predictions: number;
  labels: number;
  more: boolean;
}

/** Retention for ground truth (WINDSOCK_LABEL_RETENTION_DAYS, default 7): bounded like the sketches' (batchRows x maxBatches per table per run). */
export async function pruneGroundTruth(store: GroundTruthStore, now: number, options: { retentionDays: number; batchRows?: number; maxBatches?: number }): Promise<GroundTruthPruneResult> {
  const result: GroundTruthPruneResult = { predictions: 0, labels: 0, more: false };
  if (options.retentionDays <= 0) return result;
  const batchRows = options.batchRows ?? 1000;
  const maxBatches = options.maxBatches ?? 10;
  const cutoff = new Date(now - options.retentionDays * 86_400_000);
  const drain = async (prune: () => Promise<number>): Promise<number> => {
    const { deleted, more } = await drainInBatches(prune, batchRows, maxBatches);
    if (more) result.more = true;
    return deleted;
  };
  result.predictions = await drain(() => store.prunePredictions(cutoff, batchRows));
  result.labels = await drain(() => store.pruneLabels(cutoff, batchRows));
  return result;
}

/** Longest request id remembered; a batch row's id adds `#<row>`. Longer ids are served, not remembered. */
export const MAX_REMEMBERED_ID_LENGTH = 128;

export const rememberedIdOf = (id: string): string | undefined => (id.length > 0 && id.length <= MAX_REMEMBERED_ID_LENGTH ? id : undefined);
