// Lints workflows/ and the contracts they import (bundled into the same sandbox) for what breaks
// determinism on replay: wall-clock time, randomness, Node builtins, and activities imported as
// values instead of types.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const files = ['workflows', 'contracts'].flatMap((dir) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`),
);

const forbidden: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'Date.now(): take time from an activity or a timer'],
  [/\bnew Date\s*\(\s*\)/, 'new Date(): take time from an activity or a timer'],
  [/\bMath\.random\s*\(/, 'Math.random(): pass randomness in as input'],
  [/from\s+['"]node:/, 'a Node builtin import'],
  [/from\s+['"](fs|path|os|crypto|child_process)['"]/, 'a Node builtin import'],
  [/^import\s+(?!type\b)[^;]*from\s+['"]\.\.\/activities/m, 'activities imported as values: use `import type`'],
];

it.each(files)('%s stays deterministic', (file) => {
  const source = readFileSync(path.join(root, file), 'utf8');
  const problems = forbidden.filter(([pattern]) => pattern.test(source)).map(([, why]) => why);
  expect(problems).toEqual([]);
});
