// The worker's start-up check: on the dev server (which registers them) no pipeline search attribute
// is missing; on a namespace without them the check names each and the command that registers them.
import { msToTs } from '@temporalio/common/lib/time';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { missingSearchAttributes, requireSearchAttributes } from '../../../worker/search-attribute-check';

let connection: NativeConnection;
const bare = `bare-${Math.random().toString(36).slice(2, 8)}`;
beforeAll(async () => {
  connection = await NativeConnection.connect({ address: inject('fastTemporalAddress') });
  await connection.workflowService.registerNamespace({ namespace: bare, workflowExecutionRetentionPeriod: msToTs('1 day') });
});
afterAll(() => connection?.close());

describe('the worker checks the pipeline search attributes at start', () => {
  it('finds none missing where the dev server registered them', async () => {
    expect(await missingSearchAttributes(connection, 'default')).toEqual([]);
    await requireSearchAttributes(connection, 'default');
  });

  it('names the missing ones, and how to register them, on a namespace without them', async () => {
    expect(await missingSearchAttributes(connection, bare)).toEqual(['WindsockModel', 'WindsockStage', 'WindsockSubmittedBy']);
    await expect(requireSearchAttributes(connection, bare)).rejects.toThrow(
      `namespace ${bare} lacks the search attributes pipelines write (WindsockModel, WindsockStage, WindsockSubmittedBy); register them once with: temporal operator search-attribute create --namespace ${bare} --name WindsockModel --type Keyword`,
    );
  });
});
