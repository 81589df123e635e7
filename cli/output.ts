// What the CLI prints: the API's JSON as it is under --json (for scripts), otherwise tables and
// `field: value` lines for people. Nothing here prints a token unless a command hands it one to show.

export function printJson(body: unknown): void {
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A note for people (progress, hints): stderr, so that stdout stays what a script reads. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A cell as text: '-' for nothing, ISO times shortened to the minute, objects as compact JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) ? shortTime(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');
}

export type Column<T> = [header: string, value: (row: T) => unknown];

/** Rows as a left-aligned table with a header; "(none)" when there are none. */
export function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map(([, value]) => cell(value(row))));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [line(columns.map(([header]) => header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** `name: value` lines, the names aligned; fields whose value is undefined are left out. */
export function fields(pairs: ReadonlyArray<[string, unknown]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join('\n');
}

/** Metrics as `name=value` with four decimals. */
export function metricsLine(metrics: Record<string, number | null> | undefined): string | undefined {
  if (!metrics) return undefined;
  const shown = Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number');
  return shown.map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ') || undefined;
}
