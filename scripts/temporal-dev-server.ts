// Starts `temporal server start-dev` from the provisioned CLI and waits until it answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { pipelineSearchAttributeNames } from '../contracts/model-pipeline-messages';
import { stopChildProcess } from './local-processes';

export interface DevServerOptions {
  /** Path of the Temporal CLI (scripts/provision.sh exports TEMPORAL_CLI). */
  cli?: string;
  ip?: string;
  grpcPort: number;
  httpPort: number;
  uiPort?: number;
  /** SQLite file for durable state; omitted means in memory. */
  dbFile?: string;
  headless?: boolean;
  logFile?: string;
}

export interface DevServer {
  address: string;
  httpAddress: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function temporalCliPath(explicit?: string): string {
  const cli = explicit ?? process.env.TEMPORAL_CLI;
  if (cli && existsSync(cli)) return cli;
  throw new Error(
    `the Temporal CLI was not found${cli ? ` at ${cli}` : ''}: run 'bash scripts/provision.sh' (npm start and npm test do), ` +
      'or install it (https://docs.temporal.io/cli) and set TEMPORAL_CLI to its path',
  );
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(options.grpcPort),
    '--http-port', String(options.httpPort),
    '--log-level', 'warn',
    // Pipelines upsert these (GET /v1/pipelines lists by them); without them a pipeline's workflow task fails.
    ...pipelineSearchAttributeNames.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
  ];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? 8233));
  const child = spawn(temporalCliPath(options.cli), args, {
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const address = `${ip}:${options.grpcPort}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal server start-dev exited with ${code}:\n${output}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForTemporal(address, 60_000), exited]);
  // The flags register attributes only when the server creates the namespace: a SQLite file from before
  // they existed keeps its namespace without them.
  if (options.dbFile) await ensurePipelineSearchAttributes(address);
  return {
    address,
    httpAddress: `http://${ip}:${options.httpPort}`,
    process: child,
    stop: () => stopChildProcess(child),
  };
}

export async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

/** Registers the pipeline search attributes the namespace lacks (idempotent). */
export async function ensurePipelineSearchAttributes(address: string, namespace = 'default'): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = pipelineSearchAttributeNames.filter((name) => !(customAttributes && name in customAttributes));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
    });
  } finally {
    await connection.close();
  }
}
