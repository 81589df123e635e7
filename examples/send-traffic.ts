// Sends a steady, bounded stream of inference requests to a model at the edge, as many clients
// would (a random routing key each), so that a canary rollout has traffic to judge.
// Usage: npx tsx examples/send-traffic.ts [--edge http://127.0.0.1:8787] [--model breast-cancer]
//        [--seconds 120] [--rps 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    edge: { type: 'string', default: 'http://127.0.0.1:8787' },
    model: { type: 'string', default: 'breast-cancer' },
    dataset: { type: 'string', default: 'examples/breast-cancer/data/breast-cancer.csv' },
    seconds: { type: 'string', default: '120' },
    rps: { type: 'string', default: '20' },
  },
});
const seconds = Number(values.seconds);
const rps = Number(values.rps);
if (!(seconds > 0 && seconds <= 3600 && rps > 0 && rps <= 500)) {
  console.error('--seconds must be in (0, 3600] and --rps in (0, 500]');
  process.exit(2);
}
if (!/^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(values.edge!)) {
  console.error(`--edge ${values.edge}: this load script only targets loopback`);
  process.exit(2);
}

const rows = readFileSync(values.dataset!, 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').slice(0, 30).map(Number));
const url = `${values.edge!.replace(/\/$/, '')}/v2/models/${values.model}/infer`;
const served: Record<string, number> = {};
let failures = 0;
const end = Date.now() + seconds * 1000;
for (let i = 0; Date.now() < end; i++) {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-windsock-routing-key': `client-${Math.random().toString(36).slice(2)}` },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: rows[i % rows.length] }] }),
    });
    await res.arrayBuffer();
    const version = res.headers.get('x-windsock-model-version') ?? `http ${res.status}`;
    served[version] = (served[version] ?? 0) + 1;
  } catch {
    failures++;
  }
  if (i % (rps * 5) === 0) console.log(`[traffic] ${JSON.stringify(served)}${failures ? ` failures=${failures}` : ''}`);
  await new Promise((r) => setTimeout(r, Math.max(0, 1000 / rps - (Date.now() - started))));
}
console.log(`[traffic] done: ${JSON.stringify(served)}${failures ? ` failures=${failures}` : ''}`);
