// Property-based fuzzing of the job runner's API (/v1/jobs, /v1/inputs), built in process on a real
// job store (a libSQL file) and input store in a temporary directory. Its process launcher refuses
// and records every start, so no generated request can run anything; each must get a 4xx in the
// Windsock envelope, and no job, input file or job directory may appear.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@libsql/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../../activities/compute/local-provider';
import { InputStore } from '../../../runner/input-store';
import { JobSupervisor } from '../../../runner/job-supervisor';
import { createRunnerApp } from '../../../runner/runner-app';
import { openRunnerDb } from '../../../runner/runner-db';
import { RunnerJobStore } from '../../../runner/runner-job-store';
import { requestApp } from '../routes/app-request';
import { tableRows } from '../routes/libsql-table-rows';
import { expectEnvelopeRefusal, runs, type FuzzRequest } from './fuzz-refusals';
import {
  hostileSegment,
  hostileValue,
  invalidFor,
  isIntIn,
  isObject,
  isStringOf,
  jsonText,
  malformedJsonText,
  matches,
  nonJsonContentType,
  oneFieldInvalid,
  recordEntries,
  segmentOtherThan,
} from './hostile-json';

const token = 'runner-fuzz-token-0123456789';
const maxInputBytes = 4096;
const limit = 64 * 1024;

/** The runner's process launcher with every start refused and recorded. */
class NoProcesses extends LocalProvider {
  readonly starts: string[] = [];
  override async submit(_request: unknown, idempotencyKey: string): Promise<never> {
    this.starts.push(idempotencyKey);
    throw new Error('the fuzz tests start no job');
  }
}

let home: string;
let client: Client;
let processes: NoProcesses;
let app: ReturnType<typeof createRunnerApp>;
let seeded: string;
let before: { rows: Record<string, unknown[]>; files: string[] };

const files = () => readdirSync(home, { recursive: true }).map(String).filter((f) => !f.startsWith('runner.db')).sort();
const snapshot = async () => ({ rows: await tableRows(client), files: files() });

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-fuzz-'));
  const opened = await openRunnerDb(`file:${path.join(home, 'runner.db')}`);
  client = opened.client;
  const store = new RunnerJobStore(opened.db, 1);
  // Made up front: the store makes its directory at the first upload, refused or not (no input in it).
  mkdirSync(path.join(home, 'inputs'));
  const inputs = new InputStore(path.join(home, 'inputs'));
  processes = new NoProcesses({ jobsDir: path.join(home, 'jobs'), python: '/nonexistent/python', cwd: home });
  const supervisor = new JobSupervisor({ store, inputs, processes, gpus: [], slots: 1, maxExecutions: 1, tickMs: 60_000, log: () => {} });
  app = createRunnerApp({ store, supervisor, inputs, gpus: [], slots: 1, pricePerGpuHourUsd: 1, token, cwd: home, maxInputBytes });
  // A queued job (the supervisor never runs), so that routes on an existing job can be reached.
  const { row } = await store.submit({ idempotencyKey: 'seeded', command: ['python', 'train.py'], env: {}, inputs: {}, deadlineSeconds: 60 });
  seeded = row.id;
});
afterAll(() => {
  client?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Sends one generated request and holds it to a refusal that changed nothing. */
async function refused(req: FuzzRequest & { token?: string | null }) {
  before = await snapshot();
  const headers = { ...(req.token === null ? {} : { authorization: `Bearer ${req.token ?? token}` }), ...req.headers };
  const res = await requestApp(app, req.method, req.path, { raw: req.raw, headers });
  expectEnvelopeRefusal(req, res);
  expect(processes.starts).toEqual([]);
  expect(await snapshot()).toEqual(before);
}

type RunnerRequest = FuzzRequest & { token?: string | null };
const property = (arb: fc.Arbitrary<RunnerRequest>, seed: number, numRuns: number) => fc.assert(fc.asyncProperty(arb, refused), runs(seed, numRuns));
const submit = (b: unknown): RunnerRequest => ({ method: 'POST', path: '/v1/jobs', raw: jsonText(b) });

const envName = /^[A-Z_][A-Z0-9_]*$/;
const reserved = ['WINDSOCK_OUTPUT_DIR', 'WINDSOCK_CHECKPOINT_DIR', 'WINDSOCK_JOB_ID', 'CUDA_VISIBLE_DEVICES'];
// Refused on its own (the script is not on this runner), so a mutation that turned out valid still starts nothing.
const base = { idempotencyKey: 'fuzz', command: ['python', 'no-such-script.py'], deadlineSeconds: 60 };
const jobFields = {
  idempotencyKey: invalidFor(isStringOf(1, 512), limit),
  command: invalidFor((v) => Array.isArray(v) && v.length >= 1 && v.every(isStringOf(1, Infinity)), limit),
  image: hostileValue(limit),
  env: invalidFor((v) => isObject(v) && recordEntries(v).every(([k, x]) => envName.test(k) && !reserved.includes(k) && typeof x === 'string'), limit),
  inputs: fc.oneof(
    invalidFor((v) => isObject(v) && recordEntries(v).every(([k, x]) => envName.test(k) && !reserved.includes(k) && matches(/^[0-9a-f]{64}$/)(x)), limit),
    // Well formed, but never uploaded.
    fc.stringMatching(/^[0-9a-f]{64}$/).map((sha) => ({ DATA: sha })),
  ),
  gpus: hostileValue(limit).filter((v) => !isIntIn(0, 0)(v)),
  deadlineSeconds: invalidFor(isIntIn(1, 7 * 24 * 3600), limit),
  budgetUsd: invalidFor((v) => typeof v === 'number' && Number.isFinite(v) && v > 0, limit),
  checkpointKey: invalidFor(isStringOf(1, 512), limit),
};

describe('POST /v1/jobs', () => {
  it('refuses any random JSON value as the body', async () => {
    await property(hostileValue(limit).map(submit), 0x7a01, 300);
  });

  it('refuses a near-valid job with one field invalid', async () => {
    await property(oneFieldInvalid(base, jobFields).map(submit), 0x7a02, 500);
  });

  it('refuses malformed JSON, and a body sent as anything but JSON', async () => {
    const arb = fc.oneof(
      malformedJsonText.map((raw): RunnerRequest => ({ method: 'POST', path: '/v1/jobs', raw })),
      nonJsonContentType.map((type): RunnerRequest => ({ ...submit({ ...base, command: ['true'] }), headers: { 'content-type': type } })),
    );
    await property(arb, 0x7a03, 100);
  });
});

describe('PUT /v1/inputs/:sha256', () => {
  it('refuses a bad digest, a body whose digest differs, and one over the limit', async () => {
    const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 1024 });
    const arb = fc.oneof(
      fc.tuple(segmentOtherThan(), bytes).filter(([s, b]) => s !== sha256(b)).map(([s, raw]): RunnerRequest => ({ method: 'PUT', path: `/v1/inputs/${s}`, raw, headers: { 'content-type': 'application/octet-stream' } })),
      fc.tuple(fc.stringMatching(/^[0-9a-f]{64}$/), bytes).filter(([s, b]) => s !== sha256(b)).map(([s, raw]): RunnerRequest => ({ method: 'PUT', path: `/v1/inputs/${s}`, raw, headers: { 'content-type': 'application/octet-stream' } })),
      fc.uint8Array({ minLength: maxInputBytes + 1, maxLength: maxInputBytes * 4 }).map((raw): RunnerRequest => ({ method: 'PUT', path: `/v1/inputs/${sha256(raw)}`, raw, headers: { 'content-type': 'application/octet-stream' } })),
    );
    await property(arb, 0x7a04, 200);
  });
});

describe('/v1/jobs/:id and credentials', () => {
  it('refuses unknown job ids on every job route, and bad list and log queries', async () => {
    const id = segmentOtherThan(seeded);
    const query = (q: Record<string, string>) => new URLSearchParams(q).toString();
    const arb = fc.oneof(
      fc.tuple(id, fc.constantFrom('GET ', 'POST /cancel', 'GET /logs', 'GET /artifacts', 'GET /artifacts/model.onnx')).map(([i, route]): RunnerRequest => {
        const [method, suffix] = route.split(' ') as [string, string];
        return { method, path: `/v1/jobs/${i}${suffix}` };
      }),
      fc
        .oneof(
          hostileValue(200).filter((v) => v !== 'stdout' && v !== 'stderr').map((v) => ({ stream: String(v) })),
          hostileValue(200).filter((v) => !isIntIn(0, Number.MAX_SAFE_INTEGER)(Number(v))).map((v) => ({ offset: String(v) })),
          hostileValue(200).filter((v) => !isIntIn(1, 4 * 1024 * 1024)(Number(v))).map((v) => ({ limit: String(v) })),
          fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !['stream', 'offset', 'limit'].includes(k)).map((k) => ({ [k]: '1' })),
        )
        .map((q): RunnerRequest => ({ method: 'GET', path: `/v1/jobs/${seeded}/logs?${query(q)}` })),
      fc
        .oneof(
          hostileValue(200).filter((v) => !['queued', 'running', 'succeeded', 'failed', 'cancelled'].includes(String(v))).map((v) => ({ state: String(v) })),
          fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !['state', 'idempotencyKeyPrefix'].includes(k)).map((k) => ({ [k]: '1' })),
        )
        .map((q): RunnerRequest => ({ method: 'GET', path: `/v1/jobs?${query(q)}` })),
    );
    await property(arb, 0x7a05, 300);
  });

  // Was a bug, fixed: the artifact route decodes its path with decodeURIComponent unguarded, so a malformed
  // percent-escape on a job that exists throws a URIError: a 500. Minimal input from fast-check:
  // GET /v1/jobs/<an existing job>/artifacts/% (URIError: URI malformed)
  it('refuses a malformed artifact name on a job that exists', async () => {
    await property(fc.constantFrom('%', '%E0%A4%A', '%ZZ', 'a%', '%ED%A0%80x%').map((name): RunnerRequest => ({ method: 'GET', path: `/v1/jobs/${seeded}/artifacts/${name}` })), 0x7a06, 20);
  });

  it('refuses artifact names a job does not have', async () => {
    const name = hostileSegment.filter((s) => {
      try {
        decodeURIComponent(s);
        return true;
      } catch {
        return false; // the property above
      }
    });
    await property(name.map((n): RunnerRequest => ({ method: 'GET', path: `/v1/jobs/${seeded}/artifacts/${n}` })), 0x7a07, 100);
  });

  it('refuses every route without the runner token', async () => {
    const routes: Array<[string, string, string | undefined]> = [
      ['POST', '/v1/jobs', jsonText({ idempotencyKey: 'k', command: ['true'], deadlineSeconds: 60 })],
      ['GET', '/v1/jobs', undefined],
      ['GET', '/v1/health', undefined],
      ['POST', `/v1/jobs/${seeded}/cancel`, undefined],
      ['PUT', `/v1/inputs/${createHash('sha256').update('x').digest('hex')}`, 'x'],
    ];
    const badToken = fc.oneof(fc.constant(null), fc.constantFrom('', 'x', token.toUpperCase(), `${token}x`, token.slice(1)), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 60 }).map((t) => t.replace(/[^\x21-\x7e]/g, 'x')));
    const arb = fc.tuple(fc.constantFrom(...routes), badToken).filter(([, t]) => t !== token).map(([[method, p, raw], t]): RunnerRequest => ({ method, path: p, raw, token: t }));
    await property(arb, 0x7a08, 100);
  });
});
