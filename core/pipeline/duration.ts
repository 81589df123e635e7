// Durations in requests: a number of seconds, or a string like `90s`, `15m`, `2h`, `7d`.
import { z } from 'zod';

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * units[match[2]!]!;
  return seconds > 0 ? seconds : undefined;
}

/** A number of seconds or a duration like "30m", "2h", "7d", up to a bound (a timer of 1e300 s is a typo, found at submit, not after training). */
export function boundedDuration(maxSeconds: number) {
  return z.union([z.number(), z.string().max(32)]).superRefine((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined) ctx.addIssue({ code: 'custom', message: 'a positive number of seconds or a duration like "30m", "2h", "7d"' });
    else if (seconds > maxSeconds) ctx.addIssue({ code: 'custom', message: `at most ${maxSeconds / 86400} days` });
  });
}
