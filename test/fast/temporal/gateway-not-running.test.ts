// Both TemporalGateway implementations, against a real dev server, answer a signal or cancellation of
// a workflow that is not running with a conflict (a 409 at the routes), never an unmapped error (500).
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FetchTemporalGateway } from '../../../api/temporal/fetch-temporal-gateway';
import { GrpcTemporalGateway } from '../../../api/temporal/grpc-temporal-gateway';
import type { TemporalGateway } from '../../../api/temporal/temporal-gateway';
import { WindsockError } from '../../../core/windsock-error';

let connection: Connection;
const gateways: Record<string, TemporalGateway> = {};
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('fastTemporalAddress') });
  gateways.grpc = new GrpcTemporalGateway(new Client({ connection, namespace: 'default' }));
  gateways.http = new FetchTemporalGateway({ baseUrl: inject('fastTemporalHttpAddress'), namespace: 'default' });
});
afterAll(() => connection?.close());

describe.each(['grpc', 'http'])('the %s gateway', (kind) => {
  it.each(['signal', 'cancel'] as const)('answers %s of a workflow that never ran with a conflict', async (command) => {
    const gateway = gateways[kind]!;
    const workflowId = `never-started-${kind}-${command}-${Math.random().toString(36).slice(2)}`;
    const call = command === 'signal' ? gateway.signal(workflowId, 'approve', {}) : gateway.cancel(workflowId);
    const err = await call.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WindsockError);
    expect(err).toMatchObject({ code: 'conflict', status: 409, message: `workflow '${workflowId}' is not running (it has closed, or never started)` });
  });
});
