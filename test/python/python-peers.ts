// The tests' Python peers (scikit-learn, fairlearn, Triton's and KServe's clients) in the venv that
// scripts/provision.sh makes from requirements.txt: where it is, which version a package is pinned
// to, and a reference script run once over JSON. A missing venv is an error naming how to run the
// tests, so it reads as failed tests in every report, never as skipped ones.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const requirements = readFileSync(new URL('./requirements.txt', import.meta.url), 'utf8');

/** The venv's interpreter; `what` says what cannot run without it. */
export function testPython(what: string): string {
  const python = process.env.WINDSOCK_TEST_PYTHON;
  if (!python) {
    throw new Error(
      `WINDSOCK_TEST_PYTHON is not set, so ${what} cannot be run: run this test through \`npm run test:unit\` ` +
        '(scripts/provision.sh makes the venv of test/python/requirements.txt and sets the variable)',
    );
  }
  return python;
}

/** The version requirements.txt pins a package to (extras such as `[http]` allowed). */
export function pinnedVersion(name: string): string | undefined {
  return new RegExp(`^${name}(?:\\[[^\\]]*\\])?==(\\S+)$`, 'm').exec(requirements)?.[1];
}

/** A script of test/python/ run with `input` as JSON on stdin; its stdout parsed as JSON. */
export function runReferenceScript<T>(scriptName: string, input: unknown, what: string): T {
  const script = fileURLToPath(new URL(`./${scriptName}`, import.meta.url));
  const output = execFileSync(testPython(what), [script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(output) as T;
}

/**
 * A comparer of our values with a peer's: every disagreement larger than `tolerance` named, so a
 * failure says which value of which case; null (undefined) must meet null (undefined).
 */
export function valueDifferences(peer: string, tolerance: number) {
  return (actual: number | null | undefined, expected: number | null | undefined, what: string): string[] => {
    if (actual === null || expected === null || actual === undefined || expected === undefined) {
      return actual === expected ? [] : [`${what}: ours ${actual}, ${peer} ${expected}`];
    }
    return Math.abs(actual - expected) <= tolerance ? [] : [`${what}: ours ${actual}, ${peer} ${expected}`];
  };
}
