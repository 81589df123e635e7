#!/usr/bin/env node
// The `windsock` CLI in a checkout (package.json "bin", so `npx windsock` finds it): tsx's loader runs
// the TypeScript under cli/ in this process, as `npm run api` runs the API, without a build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/main.ts');
process.exitCode = await run(process.argv);
