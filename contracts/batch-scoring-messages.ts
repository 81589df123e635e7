// batchScoring's input, status and query, shared by the workflow, the activities, the API and tests.
// A batch's id is its workflow's id: `batch-<model>-<16 hex>` for one submitted through the API, and
// `batch-<model>-schedule-<id>-<tick time>` for one a batch schedule starts (Temporal appends the time).
import { defineQuery } from '@temporalio/workflow';

/** What a batch scores: a model's version (or the version an alias points at) over an input dataset. */
export interface BatchInput {
  model: string;
  /** The version to score with; absent: the version `alias` points at when the batch starts. */
  version?: number;
  /** Read when `version` is absent; `champion` by default. */
  alias?: string;
  /** A dataset reference as the API resolved it (a file:// URI, s3://, https://, dataset://name[/v]). */
  input: string;
  /**
   * Where the predictions go: an s3://bucket/key object, or an s3://bucket/prefix/ that gets
   * `<batchId>.csv`; absent: the artifact store, under batches/<batchId>/.
   */
  output?: string;
  /** A column of the input copied to each output row beside the row number (a customer id). */
  idColumn?: string;
  /** Rows per chunk: the unit of scoring, of progress and of what a retry need not redo. */
  chunkRows: number;
  /** How many scoring activities split the chunks between them (1 by default; each reads the input once). */
  parallelism?: number;
  /** Who asked: a person, or `schedule:<id>` for a scheduled run. */
  requestedBy: string;
}

export type BatchState = 'planning' | 'scoring' | 'writing' | 'succeeded' | 'failed' | 'cancelled';

export interface BatchStatus {
  batchId: string;
  model: string;
  state: BatchState;
  /** The version scored, once the batch has resolved it. */
  version?: number;
  /** The input as read (a dataset://name reference pinned to its version) and its bytes' sha256. */
  input: string;
  inputSha256?: string;
  /** Data rows in the input, once planned. */
  rows?: number;
  chunks?: number;
  /** Chunks whose predictions are stored: scored by this batch or found stored by a retried attempt. */
  chunksDone: number;
  /** Chunks a retried attempt found already stored and did not score again. */
  chunksReused: number;
  /** Share of the rows done, 0 to 1. */
  progress: number;
  /** The output CSV, once written. */
  output?: { uri: string; sha256: string; size: number; rows: number };
  error?: string;
  requestedBy: string;
}

/** What the scoring activity heartbeats after each chunk, and reads back when it is retried. */
export interface BatchHeartbeat {
  /** Indices of the chunks stored so far, in the order they were stored. */
  done: number[];
  /** Rows in those chunks. */
  rows: number;
}

export const batchStatusQuery = defineQuery<BatchStatus>('batchStatus');

export const DEFAULT_BATCH_CHUNK_ROWS = 10_000;
export const MAX_BATCH_CHUNK_ROWS = 100_000;
/** The fewest rows a chunk may hold (a tiny chunk is all overhead). */
export const MIN_BATCH_CHUNK_ROWS = 100;
export const MAX_BATCH_PARALLELISM = 8;

/** Ids GET /v1/batches/:id accepts: what this file's functions make, and no other workflow's. */
export const batchIdPattern = /^batch-[a-z0-9][a-z0-9._-]{0,63}-[A-Za-z0-9._:-]{1,160}$/;

export const batchWorkflowId = (model: string, digest16: string) => `batch-${model}-${digest16}`;
/** A batch schedule's Temporal Schedule, as the Temporal UI shows it. */
export const batchScheduleTemporalId = (model: string, id: string) => `batch-schedule:${model}:${id}`;
/** The id of the batches a schedule starts; Temporal appends each tick's time. */
export const scheduledBatchWorkflowId = (model: string, id: string) => `batch-${model}-schedule-${id}`;

/** The artifact-store keys of a batch: its plan, each chunk's predictions, and the default output. */
export const batchKeys = (batchId: string) => ({
  plan: `batches/${batchId}/plan.json`,
  chunk: (index: number) => `batches/${batchId}/chunks/${String(index).padStart(6, '0')}.csv`,
  output: `batches/${batchId}/predictions.csv`,
});
