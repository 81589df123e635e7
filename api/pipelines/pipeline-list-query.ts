// The Temporal visibility query behind GET /v1/pipelines: the pipelines' own workflow type and the
// filters as equality clauses on the pipeline search attributes, every value a quoted, escaped literal;
// and the listing's cursor, the store's page token bound to the query it pages.
// No ORDER BY: SQL visibility (the dev server's SQLite, PostgreSQL, MySQL) refuses one; every store
// answers open pipelines first, newest started first, then closed ones, most recently closed first.
import { pipelineSearchAttributes, type Stage } from '../../contracts/model-pipeline-messages';
import { sha256Hex } from '../http/sha256-hex';

export interface PipelineListFilter {
  model?: string;
  stage?: Stage;
  submittedBy?: string;
  /** What this principal may approve: awaiting approval, open, and submitted by someone else (four-eyes). */
  approvableBy?: string;
}

/** A string literal in Temporal's list-filter language: single-quoted, with `\` and `'` escaped. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

export function pipelineListQuery(filter: PipelineListFilter): string {
  const { model, stage, submittedBy } = pipelineSearchAttributes;
  const clauses = [`WorkflowType = ${queryLiteral('modelPipeline')}`];
  if (filter.model !== undefined) clauses.push(`${model.name} = ${queryLiteral(filter.model)}`);
  if (filter.stage !== undefined) clauses.push(`${stage.name} = ${queryLiteral(filter.stage)}`);
  if (filter.submittedBy !== undefined) clauses.push(`${submittedBy.name} = ${queryLiteral(filter.submittedBy)}`);
  if (filter.approvableBy !== undefined) {
    // A pipeline terminated while it waited keeps its last stage: only open ones can still be approved.
    clauses.push(`ExecutionStatus = 'Running'`);
    if (filter.stage !== 'awaiting_approval') clauses.push(`${stage.name} = ${queryLiteral('awaiting_approval')}`);
    clauses.push(`${submittedBy.name} != ${queryLiteral(filter.approvableBy)}`);
  }
  return clauses.join(' AND ');
}

/**
 * `<page token>.<check>`: the check (a digest of the query and the token, not a secret) refuses a cursor
 * that was cut short, mistyped or given for other filters before it reaches Temporal, which answers a
 * token it cannot parse with an internal error that the gRPC client retries for tens of seconds.
 */
export async function cursorFor(query: string, pageToken: string): Promise<string> {
  return `${pageToken}.${await cursorCheck(query, pageToken)}`;
}

/** The page token in a cursor made for this query; undefined when the cursor was not. */
export async function pageTokenOf(query: string, cursor: string): Promise<string | undefined> {
  const dot = cursor.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const pageToken = cursor.slice(0, dot);
  return cursor.slice(dot + 1) === (await cursorCheck(query, pageToken)) ? pageToken : undefined;
}

async function cursorCheck(query: string, pageToken: string): Promise<string> {
  return (await sha256Hex(`windsock pipeline list cursor\n${query}\n${pageToken}`)).slice(0, 16);
}
