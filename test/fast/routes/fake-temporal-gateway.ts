// An in-memory TemporalGateway for route tests: it answers describe and query from workflows a test
// puts in, and records every command (start, signal, signal-with-start, cancel) a route sends, so a
// test can assert that a refused request started or signalled nothing. Like the gRPC gateway, it
// refuses to signal or cancel a workflow that does not exist or is no longer running. It lists as
// visibility does, interpreting the queries GET /v1/pipelines builds (`Name = 'v' AND Name != 'v'`).
import type { PipelineStatus } from '../../../contracts/model-pipeline-messages';
import { approveUpdate, pipelineSearchAttributes, statusQuery } from '../../../contracts/model-pipeline-messages';
import {
  base64UrlFromBytes,
  bytesFromBase64Url,
  listRefused,
  notRunning,
  updateRefused,
  type ListQuery,
  type StartOptions,
  type TemporalGateway,
  type WorkflowDescription,
  type WorkflowPage,
} from '../../../api/temporal/temporal-gateway';

export type GatewayCommand =
  | { kind: 'start'; options: StartOptions }
  | { kind: 'signal'; workflowId: string; signal: string; arg: unknown }
  | { kind: 'update'; workflowId: string; update: string; arg: unknown }
  | { kind: 'signalWithStart'; options: StartOptions & { signal: string; signalArg: unknown } }
  | { kind: 'cancel'; workflowId: string };

interface FakeWorkflow {
  workflowType: string;
  searchAttributes: Record<string, string>;
  description: WorkflowDescription;
  /** Query name to its answer; an Error is thrown instead (a worker that does not answer). */
  queries: Record<string, unknown>;
}

export class FakeTemporalGateway implements TemporalGateway {
  readonly commands: GatewayCommand[] = [];
  /** Every list call, in order (a read: not a command). */
  readonly lists: ListQuery[] = [];
  /** Search attributes the namespace knows: a query on any other is refused as the server refuses it. */
  registered = new Set(Object.values(pipelineSearchAttributes).map((key) => key.name));
  private readonly workflows = new Map<string, FakeWorkflow>();

  /** A workflow the routes will find, RUNNING unless said otherwise, started at `startTime` (default 2025-01-01). */
  put(
    workflowId: string,
    options: {
      status?: string;
      queries?: Record<string, unknown>;
      pendingActivities?: WorkflowDescription['pendingActivities'];
      workflowType?: string;
      searchAttributes?: Record<string, string>;
      startTime?: string;
      closeTime?: string;
    } = {},
  ) {
    const startTime = options.startTime ?? '2025-01-01T00:00:00.000Z';
    const closed = options.status && options.status !== 'RUNNING';
    this.workflows.set(workflowId, {
      workflowType: options.workflowType ?? 'modelPipeline',
      searchAttributes: options.searchAttributes ?? {},
      description: {
        workflowId,
        runId: `run-${workflowId}`,
        status: options.status ?? 'RUNNING',
        startTime,
        closeTime: closed ? (options.closeTime ?? new Date(Date.parse(startTime) + 3600_000).toISOString()) : undefined,
        pendingActivities: options.pendingActivities ?? [],
      },
      queries: options.queries ?? {},
    });
  }

  /** A modelPipeline workflow whose status query answers `status` (its id and model filled in), with its search attributes. */
  putPipeline(
    pipelineId: string,
    status: Partial<PipelineStatus> & Pick<PipelineStatus, 'stage' | 'submittedBy'>,
    options: { status?: string; startTime?: string; closeTime?: string } = {},
  ) {
    const model = status.model ?? pipelineId.replace(/-[0-9a-f]{16}$/, '');
    const { model: modelKey, stage, submittedBy } = pipelineSearchAttributes;
    this.put(pipelineId, {
      ...options,
      queries: { [statusQuery.name]: { pipelineId, model, ...status } },
      searchAttributes: { [modelKey.name]: model, [stage.name]: status.stage, [submittedBy.name]: status.submittedBy },
    });
  }

  reset() {
    this.commands.length = 0;
    this.lists.length = 0;
    this.registered = new Set(Object.values(pipelineSearchAttributes).map((key) => key.name));
    this.workflows.clear();
  }

  async start(options: StartOptions) {
    this.commands.push({ kind: 'start', options });
    if (this.workflows.has(options.workflowId)) return { workflowId: options.workflowId, started: false };
    this.put(options.workflowId);
    return { workflowId: options.workflowId, started: true };
  }

  async signal(workflowId: string, signal: string, arg: unknown) {
    this.running(workflowId);
    this.commands.push({ kind: 'signal', workflowId, signal, arg });
  }

  /**
   * Accepts a decision as modelPipeline's validator would, from the status the test put in: refused
   * (recording nothing) unless the pipeline awaits approval and, for an approval, the caller is not
   * its submitter.
   */
  async update<T>(workflowId: string, update: string, arg: unknown): Promise<T> {
    this.running(workflowId);
    const status = this.workflows.get(workflowId)!.queries[statusQuery.name] as PipelineStatus | undefined;
    const { principal } = arg as { principal: string };
    if (status?.stage !== 'awaiting_approval') throw updateRefused('conflict', `pipeline '${workflowId}' is ${status?.stage}; a decision is possible only while it is awaiting_approval`);
    if (update === approveUpdate.name && principal === status.submittedBy) throw updateRefused('forbidden', `${principal} submitted pipeline '${workflowId}' and may not approve it; another approver must (four-eyes)`);
    this.commands.push({ kind: 'update', workflowId, update, arg });
    return { accepted: true } as T;
  }

  async signalWithStart(options: StartOptions & { signal: string; signalArg: unknown }) {
    this.commands.push({ kind: 'signalWithStart', options });
    if (this.workflows.get(options.workflowId)?.description.status !== 'RUNNING') this.put(options.workflowId);
    return { workflowId: options.workflowId };
  }

  async query<T>(workflowId: string, query: string): Promise<T> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) throw new Error(`workflow not found for ID: ${workflowId}`);
    if (!(query in workflow.queries)) throw new Error(`unknown queryType ${query}`);
    const answer = workflow.queries[query];
    if (answer instanceof Error) throw answer;
    return structuredClone(answer) as T;
  }

  async describe(workflowId: string) {
    const workflow = this.workflows.get(workflowId);
    return workflow ? structuredClone(workflow.description) : undefined;
  }

  async cancel(workflowId: string) {
    this.running(workflowId);
    this.commands.push({ kind: 'cancel', workflowId });
  }

  /** Visibility's order: open first, newest started first; then closed, most recently closed first. Tokens are offsets. */
  async list(query: ListQuery): Promise<WorkflowPage> {
    this.lists.push(structuredClone(query));
    const clauses = parseListQuery(query.query);
    const unknown = clauses.find((c) => !(c.name in builtIn) && !this.registered.has(c.name));
    if (unknown) throw listRefused(query, `invalid query: invalid expression: column name '${unknown.name}' is not a valid search attribute`, 'default')!;
    let offset = 0;
    if (query.nextPageToken !== undefined) {
      const token = (() => {
        try {
          return JSON.parse(new TextDecoder().decode(bytesFromBase64Url(query.nextPageToken!))) as { offset?: unknown };
        } catch {
          return undefined;
        }
      })();
      if (typeof token?.offset !== 'number') throw listRefused(query, 'something went wrong, please retry', 'default')!;
      offset = token.offset;
    }
    const matching = [...this.workflows.values()]
      .filter((w) => clauses.every((c) => matches(valueOf(w, c.name), c.op, c.value)))
      .sort((a, b) => orderKey(b).localeCompare(orderKey(a)));
    const page = matching.slice(offset, offset + query.pageSize);
    const next = offset + query.pageSize < matching.length ? offset + query.pageSize : undefined;
    return {
      workflows: page.map((w) => ({
        workflowId: w.description.workflowId,
        runId: w.description.runId,
        status: w.description.status,
        startTime: w.description.startTime,
        closeTime: w.description.closeTime,
        searchAttributes: { ...w.searchAttributes },
      })),
      ...(next !== undefined ? { nextPageToken: base64UrlFromBytes(new TextEncoder().encode(JSON.stringify({ offset: next }))) } : {}),
    };
  }

  private running(workflowId: string) {
    const status = this.workflows.get(workflowId)?.description.status;
    if (status !== 'RUNNING') throw notRunning(workflowId);
  }
}

const builtIn: Record<string, (w: FakeWorkflow) => string> = {
  WorkflowType: (w) => w.workflowType,
  ExecutionStatus: (w) => ({ RUNNING: 'Running', COMPLETED: 'Completed', FAILED: 'Failed', CANCELLED: 'Canceled', TERMINATED: 'Terminated' })[w.description.status] ?? w.description.status,
};

function valueOf(w: FakeWorkflow, name: string): string | undefined {
  return builtIn[name]?.(w) ?? w.searchAttributes[name];
}

/** As in SQL: a workflow without the attribute matches neither `=` nor `!=`. */
function matches(actual: string | undefined, op: '=' | '!=', value: string): boolean {
  return actual !== undefined && (op === '=' ? actual === value : actual !== value);
}

/** Open ones sort above closed ones (a close time past any real one), then by start time. */
function orderKey(w: FakeWorkflow): string {
  return `${w.description.closeTime ?? '9999'}|${w.description.startTime}`;
}

/**
 * Only what GET /v1/pipelines sends: `Name = 'literal'` or `Name != 'literal'` joined by AND, literals
 * with `\` escapes. Anything else throws, so a route that starts sending more fails its tests here.
 */
export function parseListQuery(query: string): Array<{ name: string; op: '=' | '!='; value: string }> {
  const clauses: Array<{ name: string; op: '=' | '!='; value: string }> = [];
  let rest = query;
  for (;;) {
    const head = /^([A-Za-z_][A-Za-z0-9_]*) (=|!=) '/.exec(rest);
    if (!head) throw new Error(`the fake gateway cannot interpret the query at: ${rest}`);
    rest = rest.slice(head[0].length);
    let value = '';
    for (;;) {
      const ch = rest[0];
      if (ch === undefined) throw new Error(`unterminated literal in query: ${query}`);
      rest = rest.slice(1);
      if (ch === '\\') {
        value += rest[0] ?? '';
        rest = rest.slice(1);
      } else if (ch === "'") break;
      else value += ch;
    }
    clauses.push({ name: head[1]!, op: head[2] as '=' | '!=', value });
    if (rest === '') return clauses;
    if (!rest.startsWith(' AND ')) throw new Error(`the fake gateway cannot interpret the query at: ${rest}`);
    rest = rest.slice(' AND '.length);
  }
}
