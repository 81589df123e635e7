// An in-memory TemporalGateway for route tests: it answers describe and query from workflows a test
// puts in, and records every command (start, signal, signal-with-start, cancel) a route sends, so a
// test can assert that a refused request started or signalled nothing. Like the gRPC gateway, it
// refuses to signal or cancel a workflow that does not exist or is no longer running.
import type { PipelineStatus } from '../../../contracts/model-pipeline-messages';
import { approveUpdate, statusQuery } from '../../../contracts/model-pipeline-messages';
import { notRunning, updateRefused, type StartOptions, type TemporalGateway, type WorkflowDescription } from '../../../api/temporal/temporal-gateway';

export type GatewayCommand =
  | { kind: 'start'; options: StartOptions }
  | { kind: 'signal'; workflowId: string; signal: string; arg: unknown }
  | { kind: 'update'; workflowId: string; update: string; arg: unknown }
  | { kind: 'signalWithStart'; options: StartOptions & { signal: string; signalArg: unknown } }
  | { kind: 'cancel'; workflowId: string };

interface FakeWorkflow {
  description: WorkflowDescription;
  /** Query name to its answer; an Error is thrown instead (a worker that does not answer). */
  queries: Record<string, unknown>;
}

export class FakeTemporalGateway implements TemporalGateway {
  readonly commands: GatewayCommand[] = [];
  private readonly workflows = new Map<string, FakeWorkflow>();

  /** A workflow the routes will find, RUNNING unless said otherwise. */
  put(workflowId: string, options: { status?: string; queries?: Record<string, unknown>; pendingActivities?: WorkflowDescription['pendingActivities'] } = {}) {
    this.workflows.set(workflowId, {
      description: {
        workflowId,
        runId: `run-${workflowId}`,
        status: options.status ?? 'RUNNING',
        startTime: '2025-01-01T00:00:00.000Z',
        closeTime: options.status && options.status !== 'RUNNING' ? '2025-01-01T01:00:00.000Z' : undefined,
        pendingActivities: options.pendingActivities ?? [],
      },
      queries: options.queries ?? {},
    });
  }

  /** A modelPipeline workflow whose status query answers `status` (its id and model filled in). */
  putPipeline(pipelineId: string, status: Partial<PipelineStatus> & Pick<PipelineStatus, 'stage' | 'submittedBy'>, options: { status?: string } = {}) {
    const model = pipelineId.replace(/-[0-9a-f]{16}$/, '');
    this.put(pipelineId, { ...options, queries: { [statusQuery.name]: { pipelineId, model, ...status } } });
  }

  reset() {
    this.commands.length = 0;
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

  private running(workflowId: string) {
    const status = this.workflows.get(workflowId)?.description.status;
    if (status !== 'RUNNING') throw notRunning(workflowId);
  }
}
