// Pipelines write their search attributes (contracts/model-pipeline-messages.ts); on a namespace that
// lacks them every new pipeline's workflow task fails and retries forever. The worker checks at start
// and stops with the command that registers them, rather than leave pipelines hanging.
import type { NativeConnection } from '@temporalio/worker';
import { pipelineSearchAttributeNames, registerSearchAttributesCommand } from '../contracts/model-pipeline-messages';

/** The attributes the namespace lacks; undefined when the server would not say (then the worker goes on). */
export async function missingSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[] | undefined> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return pipelineSearchAttributeNames.filter((name) => !(customAttributes && name in customAttributes));
  } catch (err) {
    console.warn(`[worker] could not list the search attributes of namespace ${namespace} (${(err as Error).message}); pipelines need ${pipelineSearchAttributeNames.join(', ')}`);
    return undefined;
  }
}

export async function requireSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing && missing.length > 0) {
    throw new Error(`namespace ${namespace} lacks the search attributes pipelines write (${missing.join(', ')}); register them once with: ${registerSearchAttributesCommand(namespace)}`);
  }
}
