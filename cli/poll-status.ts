// The polling loop behind every `--watch`: read a status every interval, hand each answer to the caller
// until it says stop, and ride out an API or worker that does not answer for a while (unreachable,
// 502/503/504: a worker restarting).
import type { CommandContext } from './cli-context';
import { ApiError } from './control-client';
import { note } from './output';

/** How long the API may stay unreachable or unavailable (a worker restarting) before a watch gives up. */
export const UNAVAILABLE_LIMIT_MS = 60_000;

export const clock = () => new Date().toTimeString().slice(0, 8);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function isTransient(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504);
}

export interface PollOptions {
  /** Milliseconds between polls (default 1000). */
  interval?: number;
}

/**
 * Calls `read` until `step` answers an exit code; under --json each answer that differs from the last
 * (ignoring `temporal`, whose times are not progress) is printed as one JSON line before `step` sees it.
 */
export async function pollStatus<T extends object>(ctx: CommandContext, read: () => Promise<T>, step: (body: T) => number | undefined, options: PollOptions = {}): Promise<number> {
  const interval = options.interval ?? 1000;
  let unavailableSince: number | undefined;
  let lastJson: string | undefined;
  for (;;) {
    let body: T;
    try {
      body = await read();
      unavailableSince = undefined;
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (unavailableSince === undefined) {
        unavailableSince = Date.now();
        note(`${clock()} waiting: ${(err as Error).message}`);
      } else if (Date.now() - unavailableSince > UNAVAILABLE_LIMIT_MS) throw err;
      await sleep(interval);
      continue;
    }
    if (ctx.json) {
      const { temporal: _temporal, ...changing } = body as T & { temporal?: unknown };
      const text = JSON.stringify(changing);
      if (text !== lastJson) process.stdout.write(`${JSON.stringify(body)}\n`);
      lastJson = text;
    }
    const code = step(body);
    if (code !== undefined) return code;
    await sleep(interval);
  }
}
