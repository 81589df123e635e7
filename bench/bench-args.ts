// Command-line options of the benches, one way for all: `--name value` (or `--flag`), checked, with a
// message and exit status 2 on a bad value.
function valueOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : (process.argv[i + 1] ?? '');
}

function refuse(name: string, wants: string, got: string): never {
  console.error(`--${name} needs ${wants}, got '${got}'`);
  process.exit(2);
}

/** `--name` given at all. */
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** `--name value` as it is, or undefined. */
export const textArg = (name: string): string | undefined => valueOf(name);

/** `--name value` as a positive integer, or the default. */
export function intArg(name: string, fallback: number): number {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 ? value : refuse(name, 'a positive integer', raw);
}

/** `--name value` as a positive number (may be fractional), or the default. */
export function numberArg(name: string, fallback: number): number {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : refuse(name, 'a positive number', raw);
}

/** `--name a,b,c` as a list of positive integers, or the default. */
export function intListArg(name: string, fallback: number[]): number[] {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  const values = raw.split(',').map(Number);
  return values.every((v) => Number.isInteger(v) && v >= 1) ? values : refuse(name, 'a comma-separated list of positive integers', raw);
}

/** `--name value`, one of `allowed`, or the default. */
export function choiceArg<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  return (allowed as readonly string[]).includes(raw) ? (raw as T) : refuse(name, `one of ${allowed.join(', ')}`, raw);
}

/** `--name a,b` as a list of names each in `allowed`, or the default. */
export function choiceListArg<T extends string>(name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = valueOf(name);
  if (raw === undefined) return fallback;
  const values = raw.split(',');
  return values.every((v) => (allowed as readonly string[]).includes(v)) ? (values as T[]) : refuse(name, `a comma-separated list of ${allowed.join(', ')}`, raw);
}
