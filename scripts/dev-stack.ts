// `npm start`: the local stack on embedded defaults. Temporal dev server on a SQLite file under
// WINDSOCK_HOME, registry migrations and example models, the worker, the control API, and the edge
// under `wrangler dev` (local D1 and R2 persisted under WINDSOCK_HOME); Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { principalsFromEnv, tokensFile } from '../config/principals-from-env';
import { formatPrincipals, type Principal } from '../core/auth/principals';
import { controlPlanePrincipal, loadOrCreateServiceCredentials } from '../config/service-credentials';
import { loadWindsockEnv } from '../config/windsock-env';
import { openRegistry } from '../registry/open-registry';
import { RegistryStore } from '../registry/registry-store';
import { seedExampleModels } from '../registry/seed-example-models';
import { projectRoot } from '../config/project-root';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server';
import { startWranglerDev, type WranglerDev } from './wrangler-dev';

const env = loadWindsockEnv();
// The control plane's own credentials, apart from people's tokens: the key that signs changes to
// serving (the edge holds the public one) and the token the worker and the API present at the edge.
const service = await loadOrCreateServiceCredentials(env.home);
const changeKeys = {
  privateKey: env.WINDSOCK_CHANGE_SIGNING_KEY ?? service.changeSigningKey,
  publicKey: env.WINDSOCK_CHANGE_PUBLIC_KEY ?? service.changePublicKey,
};
mkdirSync(env.home, { recursive: true });
const externalTemporal = process.env.TEMPORAL_ADDRESS !== undefined;
const children: ChildProcess[] = [];
let temporal: DevServer | undefined;
let edge: WranglerDev | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\n[stack] stopping');
    for (const child of children.reverse()) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
    await edge?.stop();
    await temporal?.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const edgeEnabled = process.env.WINDSOCK_EDGE !== 'off';
const edgeUrl = env.WINDSOCK_EDGE_URL ?? 'http://127.0.0.1:8787';
const edgePort = Number(new URL(edgeUrl).port || 8787);
const edgeState = path.join(env.home, 'edge-state');
// WINDSOCK_RUNNER=local also starts a job runner here and trains on it (as a GPU host would).
const localRunner = process.env.WINDSOCK_RUNNER === 'local' && !env.WINDSOCK_RUNNER_URL;
const runnerHome = path.join(env.home, 'runner');
const runnerUrl = env.WINDSOCK_RUNNER_URL ?? (localRunner ? 'http://127.0.0.1:8790' : undefined);

function startChild(name: string, command: string[]): ChildProcess {
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    cwd: projectRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      WINDSOCK_HOME: env.home,
      ...(edgeEnabled ? { WINDSOCK_EDGE_URL: edgeUrl } : {}),
      WINDSOCK_CHANGE_SIGNING_KEY: changeKeys.privateKey,
      WINDSOCK_EDGE_TOKEN: env.WINDSOCK_EDGE_TOKEN ?? service.edgeToken,
      ...(localRunner ? { WINDSOCK_RUNNER_URL: runnerUrl, WINDSOCK_RUNNER_HOME: runnerHome } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`[stack] ${name} exited with ${code}; stopping the stack`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

try {
  if (!externalTemporal) {
    console.log('[stack] starting the Temporal dev server');
    temporal = await startTemporalDevServer({
      grpcPort: 7233,
      httpPort: 7243,
      uiPort: 8233,
      dbFile: path.join(env.home, 'temporal.db'),
    });
  }
  const { db, client } = await openRegistry(env.registryUrl, env.WINDSOCK_REGISTRY_AUTH_TOKEN);
  const seeded = await seedExampleModels(new RegistryStore(db));
  client.close();
  const { principals, generated } = principalsFromEnv(env);

  if (localRunner) {
    startChild('runner', [process.execPath, '--import', 'tsx', 'runner/main.ts']);
    // The worker reads the runner's generated token from its home, so the runner goes first.
    await waitForHealth(`${runnerUrl}/healthz`, 60_000);
  }
  startChild('worker', [process.execPath, '--import', 'tsx', 'worker/main.ts']);
  startChild('api', [process.execPath, '--import', 'tsx', 'api/control/main.ts']);
  if (edgeEnabled) {
    console.log('[stack] applying the edge D1 migrations (local) and starting wrangler dev');
    edge = await startWranglerDev({
      port: edgePort,
      persistTo: edgeState,
      varsFile: path.join(env.home, 'edge.vars'),
      vars: {
        WINDSOCK_TOKENS: formatPrincipals([...principals, controlPlanePrincipal(service)]),
        TEMPORAL_HTTP_URL: temporal?.httpAddress ?? 'http://127.0.0.1:7243',
        WINDSOCK_TASK_QUEUE: env.WINDSOCK_TASK_QUEUE,
        WINDSOCK_CHANGE_PUBLIC_KEY: changeKeys.publicKey,
        // Pipelines started at the edge may train on the examples' data (the worker reads these files).
        WINDSOCK_DATASET_PREFIXES: process.env.WINDSOCK_DATASET_PREFIXES ?? pathToFileURL(path.join(projectRoot, 'examples') + path.sep).href,
      },
    });
    edge.process.once('exit', (code) => {
      if (!stopping) {
        console.error(`[stack] edge exited with ${code}; stopping the stack`);
        void shutdown(1);
      }
    });
  }
  const api = `http://${env.WINDSOCK_API_HOST}:${env.WINDSOCK_API_PORT}`;
  await waitForHealth(`${api}/healthz`, 60_000);

  const token = (name: string) => principals.find((p) => p.name === name)?.token ?? '<token>';
  // An admin's token stays out of terminals and their scrollback and logs: it is read where it is kept.
  const shownToken = (p: Principal) =>
    !p.roles.includes('admin') ? p.token : generated ? `(not printed: in ${tokensFile(env)}, mode 0600)` : '(not printed: in WINDSOCK_TOKENS)';
  console.log(`
Windsock is up.
  control API   ${api}  (API reference ${api}/docs)
  dashboard     ${api}/  (sign in with a token below)
  edge          ${edgeEnabled ? `http://127.0.0.1:${edgePort}  (wrangler dev; D1 and R2 in ${edgeState})` : 'off (WINDSOCK_EDGE=off)'}
  compute       ${runnerUrl ? `job runner ${runnerUrl}${localRunner ? ` (local; jobs in ${runnerHome})` : ''}` : 'local (WINDSOCK_RUNNER=local or WINDSOCK_RUNNER_URL for a job runner)'}
  Temporal      ${env.TEMPORAL_ADDRESS}${temporal ? `  (HTTP API ${temporal.httpAddress}, UI http://127.0.0.1:8233)` : ''}
  registry      ${env.registryUrl}
  artifacts     ${env.WINDSOCK_ARTIFACTS_URL ? `${env.WINDSOCK_ARTIFACTS_URL}${env.WINDSOCK_S3_ENDPOINT ? ` at ${env.WINDSOCK_S3_ENDPOINT}` : ''}` : env.artifactsDir}
  models        ${seeded.join(', ')}
  tokens        ${generated ? `generated, in ${tokensFile(env)}` : 'from WINDSOCK_TOKENS'}
${principals.map((p) => `    ${p.name.padEnd(8)} ${p.roles.join('+').padEnd(20)} ${shownToken(p)}`).join('\n')}

Try it:
  curl -s -X POST ${api}/v1/pipelines -H "Authorization: Bearer ${token('alice')}" \\
    -H 'content-type: application/json' \\
    -d '{"model":"breast-cancer","dataset":"examples/breast-cancer/data/breast-cancer.csv"}'
Ctrl-C stops the stack.`);
} catch (err) {
  console.error(`[stack] ${(err as Error).message}`);
  await shutdown(1);
}
