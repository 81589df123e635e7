// What the benchmarks print and keep: percentiles over samples, a plain-text table, and the raw
// figures as JSON under bench/results/ (gitignored) so that runs can be compared later.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentiles: with 20 samples p95 is the 19th value, an observed one, not a blend. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) return { n: 0, p50: NaN, p95: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { n: sorted.length, p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1]! };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Left-aligned first column, right-aligned others; a row of one cell is a section heading. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length > 1).map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(row.length === 1 ? row[0] : line(row));
}

const resultsDir = fileURLToPath(new URL('./results', import.meta.url));

export function writeResults(name: string, data: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(resultsDir, `${name}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return path.relative(process.cwd(), file);
}
