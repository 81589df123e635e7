// Outbound calls give up: a serving side or Temporal HTTP API that accepts the connection and never
// answers fails the call, retryably, within its timeout, instead of holding it forever.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { FetchTemporalGateway } from '../../api/temporal/fetch-temporal-gateway';
import { WindsockError } from '../../core/windsock-error';

let server: Server;
let url: string;
beforeAll(async () => {
  // Reads each request and never answers.
  server = createServer((req) => req.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function failure(call: Promise<unknown>): Promise<WindsockError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WindsockError);
  return err as WindsockError;
}

it('the edge client gives up on a silent serving side', async () => {
  const err = await failure(new EdgeClient({ baseUrl: url, token: 't', timeoutMs: 300 }).getTraffic('bc'));
  expect(err).toMatchObject({ code: 'unavailable', retryable: true });
  expect(err.message).toMatch(/no answer within 300 ms/);
});

it("the HTTP gateway gives up on a silent Temporal HTTP API", async () => {
  const err = await failure(new FetchTemporalGateway({ baseUrl: url, namespace: 'default', timeoutMs: 300 }).describe('wf'));
  expect(err).toMatchObject({ code: 'unavailable', retryable: true });
  expect(err.message).toMatch(/no answer within 300 ms/);
});
