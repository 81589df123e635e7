// Approval is an update the workflow validates itself: both gateways the routes use (gRPC on Node,
// the HTTP API on Workers) deliver it, and the workflow's refusal (the submitter approving their own
// model, a decision when none is possible) comes back as the route's 403 or 409 in the same step.
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchTemporalGateway } from '../../../api/temporal/fetch-temporal-gateway';
import { GrpcTemporalGateway } from '../../../api/temporal/grpc-temporal-gateway';
import type { TemporalGateway } from '../../../api/temporal/temporal-gateway';
import { approveUpdate, finalStages, rejectUpdate, statusQuery } from '../../../contracts/model-pipeline-messages';
import { WindsockError } from '../../../core/windsock-error';
import { pipelineStubs, startPipeline } from './pipeline-stubs';
import { startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
const gateways: Record<string, TemporalGateway> = {};
beforeAll(async () => {
  w = await startStubWorker('decision-update', pipelineStubs().stubs);
  gateways.grpc = new GrpcTemporalGateway(w.client);
  gateways.http = new FetchTemporalGateway({ baseUrl: inject('fastTemporalHttpAddress'), namespace: 'default' });
});
afterAll(async () => w?.close());

async function awaitingApproval(submittedBy: string) {
  const { handle, id } = await startPipeline(w, { submittedBy });
  await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => s.stage === 'awaiting_approval' || finalStages.has(s.stage));
  return { handle, id };
}

async function refusal(call: Promise<unknown>): Promise<WindsockError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WindsockError);
  return err as WindsockError;
}

describe.each(['grpc', 'http'])('decisions through the %s gateway', (kind) => {
  it("refuses the submitter's own approval in the workflow, then takes a second person's", async () => {
    const gateway = gateways[kind]!;
    const { handle, id } = await awaitingApproval('dave');
    const own = await refusal(gateway.update(id, approveUpdate.name, { principal: 'dave', comment: 'mine looks fine' }));
    expect(own).toMatchObject({ code: 'forbidden', status: 403, message: `dave submitted pipeline '${id}' and may not approve it; another approver must (four-eyes)` });
    expect((await handle.query(statusQuery)).stage).toBe('awaiting_approval');

    expect(await gateway.update(id, approveUpdate.name, { principal: 'bob', comment: 'holdout looks good' })).toEqual({ accepted: true });
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'succeeded', approval: { decision: 'approved', by: 'bob', comment: 'holdout looks good' } });
  });

  it('refuses a second decision once one was taken, and takes a rejection', async () => {
    const gateway = gateways[kind]!;
    const { handle, id } = await awaitingApproval('alice');
    expect(await gateway.update(id, rejectUpdate.name, { principal: 'bob', comment: 'worse recall' })).toEqual({ accepted: true });
    const late = await refusal(gateway.update(id, approveUpdate.name, { principal: 'carol', comment: 'too late' }));
    expect(late.code).toBe('conflict');
    expect(late.message).toMatch(/already rejected|is rejected|not running/);
    expect(await handle.result()).toMatchObject({ stage: 'rejected', approval: { decision: 'rejected', by: 'bob' } });
  });
});
