import { describe, expect, it } from 'vitest';
import { effectiveSeed, reproductionParams, reproductionPlan, type ReproductionRecord } from './reproduction-record';

const hex = (c: string) => c.repeat(64);
const record: ReproductionRecord = {
  format: 1,
  code: { digest: hex('a'), manifestUri: 'file:///a/code/manifests/aaa.json', files: 7, bytes: 12_000 },
  seed: 42,
  job: { command: ['python', 'jobs/tabular/train.py'], deadlineSeconds: 3600 },
  datasetSpec: { uri: 'file:///a/spec.json', sha256: hex('b') },
  trainSplit: { uri: 'file:///a/train.csv', sha256: hex('c') },
  holdoutSplit: { uri: 'file:///a/holdout.csv', sha256: hex('d') },
};
const version = (lineage: unknown) => ({ version: 3, artifactUri: 'file:///a/model.onnx', artifactSha256: hex('e'), lineage });

describe('reproductionPlan', () => {
  it('lists every blob a reproduction reads with the digest it must still have', () => {
    const plan = reproductionPlan(version({ datasetUri: 'x', reproducibility: record }));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.record.seed).toBe(42);
    expect(plan.inputs.map((i) => [i.uri, i.sha256])).toEqual([
      [record.code!.manifestUri, hex('a')],
      ['file:///a/spec.json', hex('b')],
      ['file:///a/train.csv', hex('c')],
      ['file:///a/holdout.csv', hex('d')],
      ['file:///a/model.onnx', hex('e')],
    ]);
    expect(plan.inputs[0]!.what).toContain(`sha256:${hex('a')}`);
  });

  it('refuses versions registered before the record, with the words the API answers', () => {
    expect(reproductionPlan(version({ datasetUri: 'x', codeVersion: 'abc' }))).toEqual({
      ok: false,
      reason: 'version 3 was registered before Windsock recorded code versions; it cannot be reproduced',
    });
  });

  it('refuses a version whose code was not captured, saying why, and a record it cannot read', () => {
    const uncaptured = reproductionPlan(version({ reproducibility: { ...record, code: null, codeUnavailable: "the job command names no script file (['/usr/bin/trainer'])" } }));
    expect(uncaptured.ok).toBe(false);
    expect(!uncaptured.ok && uncaptured.reason).toContain('names no script file');
    const future = reproductionPlan(version({ reproducibility: { ...record, format: 9 } }));
    expect(!future.ok && future.reason).toContain('format 9');
  });
});

describe('seeds', () => {
  it('takes the seed the job reported over the one passed, and makes it explicit only when params left it out', () => {
    expect(effectiveSeed({}, { params: { seed: 42, epochs: 3 } })).toBe(42);
    expect(effectiveSeed({ seed: 7 }, { params: { seed: 7 } })).toBe(7);
    expect(effectiveSeed({ seed: 7 }, undefined)).toBe(7);
    expect(effectiveSeed({}, { accuracy: 1 })).toBeNull();
    expect(reproductionParams({ epochs: 3 }, 42)).toEqual({ epochs: 3, seed: 42 });
    expect(reproductionParams({ epochs: 3, seed: 1 }, 42)).toEqual({ epochs: 3, seed: 1 });
    expect(reproductionParams({ epochs: 3 }, null)).toEqual({ epochs: 3 });
  });
});
