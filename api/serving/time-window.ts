// The `from` / `to` query of metrics and drift reads: ISO times or epoch ms; the last 15 minutes by default.
import { z } from 'zod';

const MAX_DATE_MS = 8.64e15;

const instant = z
  .string()
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    // A Date holds at most 8.64e15 ms either side of the epoch; past that, toISOString throws.
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) {
      ctx.addIssue({ code: 'custom', message: 'an ISO 8601 time or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  });

export const timeWindowQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  version: z.coerce.number().int().min(1).optional(),
});

export function windowMinutes(query: { from?: number; to?: number }, now: number, defaultMinutes = 15): { fromMinute: number; toMinute: number; from: number; to: number } {
  const to = query.to ?? now;
  const from = query.from ?? to - defaultMinutes * 60_000;
  return { from, to, fromMinute: Math.floor(from / 60_000), toMinute: Math.floor(to / 60_000) };
}
