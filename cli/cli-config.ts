// Where the CLI finds the control API and its token: WINDSOCK_URL and WINDSOCK_TOKEN, each winning over
// the credentials file that `windsock login` writes ($XDG_CONFIG_HOME/windsock/credentials.json, mode
// 0600). The token is read, sent and stored, never printed.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './usage-error';

export interface CliConfig {
  url: string;
  token: string;
}

/** Where each setting came from, for whoami (never the token itself). */
export interface ConfigSources {
  url: 'WINDSOCK_URL' | 'credentials file';
  token: 'WINDSOCK_TOKEN' | 'credentials file';
  file: string;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'windsock', 'credentials.json');
}

async function readCredentials(file: string): Promise<Partial<CliConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
      ...(typeof parsed.token === 'string' ? { token: parsed.token } : {}),
    };
  } catch {
    throw new UsageError(`${file} is not JSON: run \`windsock login\` again`);
  }
}

/** The API URL without a trailing slash, or a usage error saying what is wrong with it. */
export function normaliseUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${from}: '${url}' is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${from}: '${url}' is not an http(s) URL`);
  return url.replace(/\/+$/, '');
}

export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<{ config: CliConfig; sources: ConfigSources }> {
  const file = credentialsPath(env);
  const stored = await readCredentials(file);
  const url = env.WINDSOCK_URL || stored.url;
  const token = env.WINDSOCK_TOKEN || stored.token;
  const missing = [
    ...(url ? [] : ['the control API URL: set WINDSOCK_URL (e.g. http://127.0.0.1:8080)']),
    ...(token ? [] : ['a token: set WINDSOCK_TOKEN']),
  ];
  if (missing.length > 0) throw new UsageError(`no ${missing.join(', and no ')}; or run \`windsock login\` to store both in ${file}`);
  return {
    config: { url: normaliseUrl(url!, env.WINDSOCK_URL ? 'WINDSOCK_URL' : file), token: token! },
    sources: { url: env.WINDSOCK_URL ? 'WINDSOCK_URL' : 'credentials file', token: env.WINDSOCK_TOKEN ? 'WINDSOCK_TOKEN' : 'credentials file', file },
  };
}

/** Writes the credentials file readable by its owner only (0600, its folder 0700), replacing it whole. */
export async function saveCredentials(config: CliConfig, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = credentialsPath(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  // A fresh file (`wx`) is created with the mode; an old one left behind would keep its own.
  await rm(temp, { force: true });
  await writeFile(temp, `${JSON.stringify({ url: config.url, token: config.token }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temp, file);
  return file;
}

export async function removeCredentials(env: NodeJS.ProcessEnv = process.env): Promise<{ file: string; removed: boolean }> {
  const file = credentialsPath(env);
  try {
    await rm(file);
    return { file, removed: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, removed: false };
    throw err;
  }
}
