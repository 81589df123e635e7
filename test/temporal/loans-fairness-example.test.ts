// The loans example (examples/loans) end to end up to approval: the seeded template trains with the
// built-in trainer on the committed CSV, the holdout's predictions are compared between women and
// men, and the gate's demographic-parity check on sex is present, measured and passed. Real dev
// server, real libSQL file, real training process.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../config/project-root';
import { parseCsv } from '../../core/data/csv';
import { startHarness, type Harness } from './pipeline-harness';

const dataset = 'examples/loans/data/loans.csv';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('loans-fairness');
});
afterAll(async () => h?.close());

describe('the loans example', () => {
  it('is seeded at start with its sensitive feature and fairness gate', async () => {
    const model = await h.request('GET', '/v1/models/loans', { as: 'carol' });
    expect(model.status, JSON.stringify(model.body)).toBe(200);
    expect(model.body.template.datasetSpec).toMatchObject({ sensitiveFeatures: ['sex'], target: { favorableClass: 'approved' } });
    expect(model.body.template.gate['demographic_parity_difference:sex']).toEqual({ threshold: 0.15, greater_is_better: false });
  });

  it('trains with the built-in trainer and reports fairness per sex, its gate check passing', async () => {
    const started = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'loans', dataset } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const waiting = await h.waitForStage(started.body.pipelineId as string, ['awaiting_approval', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.dataset).toMatchObject({ rowCount: 3000 });

    // Both groups are in the 600-row holdout, each with its own accuracy and selection rate.
    const sex = waiting.fairness!.features.sex!;
    expect(waiting.fairness!.favorableClass).toBe('approved');
    expect(Object.keys(sex.groups)).toEqual(['female', 'male']);
    expect(sex.groups.female!.rows + sex.groups.male!.rows).toBe(600);
    for (const group of Object.values(sex.groups)) {
      expect(group.accuracy).toBeGreaterThan(0.6);
      expect(group.selection_rate).toBeGreaterThan(0.2);
      expect(group.selection_rate).toBeLessThan(0.8);
    }
    const difference = Math.abs(sex.groups.male!.selection_rate! - sex.groups.female!.selection_rate!);
    expect(sex.demographic_parity_difference).toBeCloseTo(difference, 10);
    expect(waiting.metrics!['demographic_parity_difference:sex']).toBe(sex.demographic_parity_difference);

    // The labels favour men (the generator's bias); the CSV shows it, so the report is not trivially flat.
    const rows = parseCsv(readFileSync(path.join(projectRoot, dataset), 'utf8'));
    const rate = (s: string) => {
      const group = rows.rows.filter((r) => r[4] === s);
      return group.filter((r) => r[5] === 'approved').length / group.length;
    };
    expect(rate('male') - rate('female')).toBeGreaterThan(0.03);

    const checks = waiting.gate!.checks;
    expect(waiting.gate!.passed).toBe(true);
    expect(checks.map((c) => c.metric).sort()).toEqual(['accuracy', 'demographic_parity_difference:sex', 'roc_auc']);
    expect(checks.find((c) => c.metric === 'demographic_parity_difference:sex')).toMatchObject({
      kind: 'threshold',
      passed: true,
      skipped: false,
      candidate: sex.demographic_parity_difference,
      required: 0.15,
    });
    expect(waiting.metrics!.accuracy).toBeGreaterThan(0.65);
    expect(waiting.metrics!.roc_auc).toBeGreaterThan(0.75);
  });
});
