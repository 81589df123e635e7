// The `windsock` CLI as a user runs it: bin/windsock.mjs in its own Node process, against an app served
// on a loopback port. Every run gets a config folder of its own (XDG_CONFIG_HOME) unless it names one,
// so no developer's credentials file is read; the test's environment is otherwise left out.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { projectRoot } from '../../../config/project-root';
import { principals } from '../../test-principals';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Signs in as this principal (WINDSOCK_TOKEN); none: no token in the environment. */
  as?: string;
  url?: string;
  /** Replaces the default XDG_CONFIG_HOME (a fresh empty folder). */
  configHome?: string;
  stdin?: string;
  env?: Record<string, string>;
}

export const tokenOf = (name: string) => principals.find((p) => p.name === name)!.token;

/** Every output the runs produced, to show that no token was ever printed. */
export const cliOutputs: string[] = [];

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: os.tmpdir(),
    XDG_CONFIG_HOME: options.configHome ?? mkdtempSync(path.join(os.tmpdir(), 'windsock-cli-config-')),
    NO_COLOR: '1',
    ...(options.url ? { WINDSOCK_URL: options.url } : {}),
    ...(options.as ? { WINDSOCK_TOKEN: tokenOf(options.as) } : {}),
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin/windsock.mjs'), ...args], { cwd: projectRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      cliOutputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Serves a Hono app (its fetch) on 127.0.0.1 at a free port; close() stops it. */
export async function serveOnLoopback(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
