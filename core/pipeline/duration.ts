// Durations in requests: a number of seconds, or a string like `90s`, `15m`, `2h`, `7d`.
const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * units[match[2]!]!;
  return seconds > 0 ? seconds : undefined;
}
