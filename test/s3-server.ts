// A real S3-compatible server for tests: versitygw (built by scripts/provision.sh with
// WINDSOCK_TEST_TOOLS=1) on a free loopback port, its posix backend on a temporary directory, root
// credentials generated per server, and one bucket made for the test.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObjectStoreClient } from '../artifacts/object-store-client';
import { freePort, stopChildProcess } from '../scripts/local-processes';

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`: WINDSOCK_S3_ENDPOINT. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** The backend's directory: bucket `b`, key `k` is the file `<root>/b/k`. */
  root: string;
  client: ObjectStoreClient;
  /** The variables that point Windsock at this server (artifacts under s3://<bucket>/artifacts). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export function versitygwPath(): string {
  const candidate = process.env.WINDSOCK_VERSITYGW ?? path.join(os.homedir(), '.cache/windsock/bin/versitygw-v1.8.0');
  if (!existsSync(candidate)) {
    throw new Error(`no versitygw at ${candidate}: run the tests through scripts/run-with-toolchain.sh with WINDSOCK_TEST_TOOLS=1 (it builds one), or set WINDSOCK_VERSITYGW`);
  }
  return candidate;
}

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-s3-'));
  const root = path.join(dir, 'data');
  mkdirSync(root);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const accessKeyId = `WSTEST${randomBytes(7).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const bucket = options.bucket ?? `windsock-${randomBytes(4).toString('hex')}`;

  // Credentials through the environment, not argv, where any process on the host could read them.
  const child = spawn(versitygwPath(), ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', root], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey, VGW_REGION: region },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const stop = async () => {
    await stopChildProcess(child, 5_000);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Any HTTP answer (an unsigned request gets 403) means it is serving.
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`versitygw exited with ${child.exitCode}:\n${output}`);
      const answered = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) }).then(
        async (res) => (await res.body?.cancel(), true),
        () => false,
      );
      if (answered) break;
      if (Date.now() > deadline) throw new Error(`versitygw did not answer on ${endpoint} within 20 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const client = new ObjectStoreClient({ endpoint, region, accessKeyId, secretAccessKey });
    await client.createBucket(bucket);
    return {
      endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      bucket,
      root,
      client,
      env: {
        WINDSOCK_ARTIFACTS_URL: `s3://${bucket}/artifacts`,
        WINDSOCK_S3_ENDPOINT: endpoint,
        WINDSOCK_S3_REGION: region,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
