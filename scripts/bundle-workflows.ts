// Prebuilds the workflow bundle for production workers (`npm run build:workflows`); a worker started
// with WINDSOCK_WORKFLOW_BUNDLE=<path> loads it instead of bundling at start-up.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../worker/create-worker';

const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const { code } = await bundleWorkflows();
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, code);
console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
