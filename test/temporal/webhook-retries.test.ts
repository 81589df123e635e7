// Webhooks through a real Temporal activity: a receiver on loopback that fails at first gets the
// delivery retried by Temporal with one delivery id, and a permanent refusal is not retried.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client as LibsqlClient } from '@libsql/client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { LogAndWebhookNotifier } from '../../activities/notifier';
import { type Notification } from '../../contracts/notifications';
import { deliveryIdOf } from '../../activities/webhook-delivery';
import { webhookHeaders } from '../../activities/webhook-signature';
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';
import { testDatasetRoots } from './pipeline-harness';

const secret = 'whsec-temporal-0123456789abcdef';
const taskQueue = `test-webhooks-${Math.random().toString(36).slice(2, 8)}`;

let home: string;
let registryClient: LibsqlClient;
let registry: RegistryStore;
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;
let receiver: WebhookReceiver;
let answer: (n: number) => number = () => 204;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  // Each attempt's failure is logged as a warning; the test checks them itself.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  home = mkdtempSync(path.join(os.tmpdir(), 'windsock-webhooks-'));
  const opened = await openRegistry(`file:${path.join(home, 'registry.db')}`);
  registryClient = opened.client;
  registry = new RegistryStore(opened.db);
  receiver = await startWebhookReceiver(secret, (n) => answer(n));
  const notifier = new LogAndWebhookNotifier(receiver.url, secret);
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./webhook-test-workflow.ts', import.meta.url)),
    activities: createActivities({
      registry,
      blobs: new LocalBlobStore(path.join(home, 'artifacts')),
      compute: {},
      codeVersion: 'test',
      notifier,
      datasetRoots: testDatasetRoots,
    }),
  });
  running = worker.run();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: 'default' });
});

afterEach(() => {
  receiver.received.length = 0;
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await nativeConnection?.close();
  await receiver?.close();
  registryClient?.close();
  rmSync(home, { recursive: true, force: true });
});

const run = (n: Notification) =>
  client.workflow.execute('sendNotificationWorkflow', { taskQueue, workflowId: `webhook-${Math.random().toString(36).slice(2)}`, args: [n] });

describe('webhooks through a Temporal activity', () => {
  it('retries while the receiver answers 503, with one delivery id and a valid signature each time', async () => {
    const n: Notification = { kind: 'rollout_rolled_back', pipelineId: `p-${Date.now()}`, model: 'churn', version: 3, stableVersion: 2, reason: 'error rate', message: 'rolled back' };
    answer = (i) => (i < 3 ? 503 : 200);
    const result = await run(n);
    expect(result).toEqual({ deliveryId: deliveryIdOf(n) });
    expect(receiver.received.map((d) => d.status)).toEqual([503, 503, 503, 200]);
    expect(receiver.received.every((d) => d.verification.ok)).toBe(true);
    expect(new Set(receiver.received.map((d) => d.headers[webhookHeaders.delivery]))).toEqual(new Set([deliveryIdOf(n)]));
    const audit = await registry.listAudit({ pipelineId: n.pipelineId });
    expect(audit.map((a) => a.event)).toEqual(['notification.rollout_rolled_back']);
  });

  it('does not retry a receiver that refuses the delivery with a 4xx', async () => {
    const n: Notification = { kind: 'pipeline_failed', pipelineId: `p-${Date.now()}`, runId: 'run-1', model: 'churn', error: { code: 'job_failed', message: 'oom' }, message: 'failed' };
    answer = () => 404;
    const failure = await run(n).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (failure as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    const cause = (activityFailure as ActivityFailure).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('bad_request');
    expect(cause.nonRetryable).toBe(true);
    expect(receiver.received).toHaveLength(1);
  });
});
