// Ground truth on every serving runtime (Node on libSQL; workerd on D1): predictions remembered by
// request id, labels sent to POST /v2/models/:name/feedback, live accuracy from
// GET /admin/models/:name/accuracy, and every refusal of both routes.
import { beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/breast-cancer-serving.json';
import { classificationReport } from '../../core/evaluation/classification-metrics';
import type { ServingTarget } from './serving-suite';

export interface GroundTruthTarget extends ServingTarget {
  feedbackToken: string;
  /** A principal of serving's WINDSOCK_TOKENS without the admin role. */
  viewerToken: string;
}

const CLASSES = fixture.referenceProfile.prediction.classes;
const rows = fixture.holdoutRows as number[][];

type Served = { id: string; version: number; predicted: number };

export function groundTruthSuite(runtime: string, makeTarget: () => Promise<GroundTruthTarget>) {
  describe(`ground truth on ${runtime}`, () => {
    let t: GroundTruthTarget;
    const bearer = (token: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    const admin = (init: RequestInit = {}) => bearer(t.adminToken, init);
    const jsonBody = (body: unknown, token?: string): RequestInit => {
      const init: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
      return token ? bearer(token, init) : init;
    };
    const feedback = (model: string, body: unknown, token = t.feedbackToken) => t.fetch(`/v2/models/${model}/feedback`, jsonBody(body, token));
    const accuracy = (model: string, query = '', token = t.adminToken) => t.fetch(`/admin/models/${model}/accuracy${query}`, bearer(token));
    const served: Served[] = [];

    async function publish(model: string, version: number) {
      const upload = await t.fetch(`/admin/models/${model}/versions/${version}/artifact`, admin({
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 },
        body: t.modelBytes,
      }));
      expect(upload.status, await upload.clone().text()).toBe(201);
      const res = await t.fetch(`/admin/models/${model}/versions/${version}`, admin({
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }),
      }));
      expect(res.status, await res.clone().text()).toBe(201);
    }

    /** Serves rows on a version and returns the predicted class of each (argmax of the probabilities). */
    async function infer(version: number, batch: number[][], id?: string, headers: Record<string, string> = {}) {
      const body = { ...(id !== undefined && { id }), inputs: [{ name: 'features', datatype: 'FP32', shape: [batch.length, 30], data: batch }] };
      const res = await t.fetch(`/v2/models/gt/versions/${version}/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { outputs: Array<{ data: number[] }> };
      const p = out.outputs[0]!.data;
      return { requestId: res.headers.get('x-request-id')!, predicted: batch.map((_, r) => (p[2 * r + 1]! > p[2 * r]! ? 1 : 0)) };
    }

    beforeAll(async () => {
      t = await makeTarget();
      await publish('gt', 1);
      await publish('gt', 2);
      for (let i = 0; i < 12; i++) {
        const { predicted } = await infer(1, [rows[i]!], `one-${i}`);
        served.push({ id: `one-${i}`, version: 1, predicted: predicted[0]! });
      }
      // A batch of three rows: row r is labelled as `<id>#r`.
      const batch = await infer(2, rows.slice(20, 23), 'batch');
      batch.predicted.forEach((predicted, r) => served.push({ id: `batch#${r}`, version: 2, predicted }));
      // No protocol id: remembered under the request id the response carries (the client's header here).
      const headerOnly = await infer(2, [rows[30]!], undefined, { 'x-request-id': 'hdr-only-1' });
      expect(headerOnly.requestId).toBe('hdr-only-1');
      served.push({ id: 'hdr-only-1', version: 2, predicted: headerOnly.predicted[0]! });
      // No id at all: serving assigns one and returns it in x-request-id.
      const assigned = await infer(2, [rows[31]!]);
      expect(assigned.requestId).toMatch(/^[\w.-]{8,}$/);
      served.push({ id: assigned.requestId, version: 2, predicted: assigned.predicted[0]! });
      expect((await t.fetch('/admin/flush', admin({ method: 'POST' }))).status).toBe(200);
    });

    /** What the accuracy route should say for the labels given, computed by the offline evaluation's own metrics. */
    function expected(labels: Map<string, number>, version: number) {
      const pairs = served.filter((s) => s.version === version && labels.has(s.id));
      const report = classificationReport({
        labels: pairs.map((s) => labels.get(s.id)!),
        probabilities: pairs.map((s) => (s.predicted === 1 ? [0, 1] : [1, 0])),
        numClasses: 2,
      });
      return { labelled: pairs.length, accuracy: report.metrics.accuracy, macroF1: report.metrics.f1_macro, confusionMatrix: report.confusionMatrix };
    }

    it('joins labels to what each version predicted, and reports accuracy, macro F1, the confusion matrix and label delay per version', async () => {
      const labels = new Map<string, number>();
      // v1: the first 9 labelled with what was predicted, 3 with the other class.
      served.filter((s) => s.version === 1).forEach((s, i) => labels.set(s.id, i < 9 ? s.predicted : 1 - s.predicted));
      // v2: all right, labels given by class name.
      served.filter((s) => s.version === 2).forEach((s) => labels.set(s.id, s.predicted));
      const items = [...labels].map(([id, label]) => ({ id, label: id.startsWith('one-') ? label : CLASSES[label]! }));
      const res = await feedback('gt', { items: [...items, { id: 'never-served', label: 0 }] });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toEqual({ model: 'gt', received: items.length + 1, labelled: items.length, unknown: { count: 1, ids: ['never-served'] }, invalid: { count: 0, items: [] } });

      const read = await accuracy('gt');
      expect(read.status).toBe(200);
      const body = (await read.json()) as { versions: Record<string, { predictions: number; labelled: number; accuracy: number; macroF1: number; classes: string[]; confusionMatrix: number[][]; labelDelaySeconds: { mean: number; max: number } }> };
      for (const version of [1, 2]) {
        const want = expected(labels, version);
        const got = body.versions[version]!;
        expect(got).toMatchObject({ labelled: want.labelled, classes: CLASSES, confusionMatrix: want.confusionMatrix });
        expect(got.accuracy).toBeCloseTo(want.accuracy, 12);
        expect(got.macroF1).toBeCloseTo(want.macroF1, 12);
        expect(got.predictions).toBe(served.filter((s) => s.version === version).length);
        expect(got.labelDelaySeconds.mean).toBeGreaterThanOrEqual(0);
        expect(got.labelDelaySeconds.max).toBeGreaterThanOrEqual(got.labelDelaySeconds.mean);
      }
      expect(body.versions[1]!.accuracy).toBeCloseTo(9 / 12, 12);
      expect(body.versions[2]!.accuracy).toBe(1);

      const onlyTwo = (await (await accuracy('gt', '?version=2')).json()) as { versions: Record<string, unknown> };
      expect(Object.keys(onlyTwo.versions)).toEqual(['2']);
      // A window before anything was served holds nothing.
      const before = (await (await accuracy('gt', '?from=0&to=1000')).json()) as { versions: Record<string, unknown> };
      expect(before.versions).toEqual({});
    });

    it('replaces an earlier label for the same id, the last one in a request winning', async () => {
      const target = served.find((s) => s.id === 'one-0')!;
      const res = await feedback('gt', { items: [{ id: 'one-0', label: target.predicted }, { id: 'one-0', label: 1 - target.predicted }] });
      expect(await res.json()).toMatchObject({ received: 1, labelled: 1 });
      const v1 = ((await (await accuracy('gt', '?version=1')).json()) as { versions: Record<string, { labelled: number; accuracy: number }> }).versions[1]!;
      expect(v1.labelled).toBe(12);
      expect(v1.accuracy).toBeCloseTo(8 / 12, 12);
    });

    it('counts unknown ids and labels the model has no class for, and stores the rest', async () => {
      const res = await feedback('gt', {
        items: [
          { id: 'one-1', label: 'cat' },
          { id: 'one-2', label: 7 },
          { id: 'ghost-1', label: 0 },
          { id: 'one-3', label: served.find((s) => s.id === 'one-3')!.predicted },
        ],
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { labelled: number; unknown: { count: number; ids: string[] }; invalid: { count: number; items: Array<{ id: string; reason: string }> } };
      expect(body.labelled).toBe(1);
      expect(body.unknown).toEqual({ count: 1, ids: ['ghost-1'] });
      expect(body.invalid.count).toBe(2);
      expect(body.invalid.items.map((i) => i.id)).toEqual(['one-1', 'one-2']);
      expect(body.invalid.items[0]!.reason).toMatch(/not a class of v1.*malignant/);
      // Only unknown ids: still a 200 that says so.
      expect(await (await feedback('gt', { items: [{ id: 'ghost-2', label: 1 }] })).json()).toMatchObject({ labelled: 0, unknown: { count: 1 } });
    });

    it('takes labels only with a feedback or admin token', async () => {
      const item = { items: [{ id: 'one-4', label: served.find((s) => s.id === 'one-4')!.predicted }] };
      expect((await t.fetch('/v2/models/gt/feedback', jsonBody(item))).status).toBe(401);
      expect((await feedback('gt', item, 'not-a-known-token-at-all')).status).toBe(401);
      expect((await feedback('gt', item, t.viewerToken)).status).toBe(401);
      expect((await feedback('gt', item, t.adminToken)).status).toBe(200);
      const refused = await t.fetch('/v2/models/gt/feedback', jsonBody(item));
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } });
      // The feedback token reads nothing.
      expect((await accuracy('gt', '', t.feedbackToken)).status).toBe(401);
      expect((await t.fetch('/admin/models/gt/accuracy')).status).toBe(401);
      expect((await accuracy('gt', '', t.viewerToken)).status).toBe(403);
    });

    it.each([
      ['no items', { items: [] }, /items/],
      ['a missing items field', { labels: [] }, /items/],
      ['an item without a label', { items: [{ id: 'one-5' }] }, /label/],
      ['an empty id', { items: [{ id: '', label: 0 }] }, /id/],
      ['an id too long to have been remembered', { items: [{ id: 'x'.repeat(200), label: 0 }] }, /id/],
      ['a negative label', { items: [{ id: 'one-5', label: -1 }] }, /label/],
      ['a fractional label', { items: [{ id: 'one-5', label: 0.5 }] }, /label/],
      ['an unknown field', { items: [{ id: 'one-5', label: 0, weight: 2 }] }, /weight|unrecognized/i],
      ['more items than a request may carry', { items: Array.from({ length: 1001 }, (_, i) => ({ id: `x${i}`, label: 0 })) }, /1000/],
    ])('refuses feedback with %s with a 400', async (_name, body, message) => {
      const res = await feedback('gt', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    });

    it('refuses feedback that is not JSON, too large, for a bad model name or an unknown model', async () => {
      const text = await t.fetch('/v2/models/gt/feedback', bearer(t.feedbackToken, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"items":[]}' }));
      expect(text.status).toBe(415);
      const broken = await t.fetch('/v2/models/gt/feedback', bearer(t.feedbackToken, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [' }));
      expect(broken.status).toBe(400);
      const huge = await feedback('gt', { items: [{ id: 'one-6', label: 'x'.repeat(600 * 1024) }] });
      expect(huge.status).toBe(413);
      expect((await feedback('Not_A_Name', { items: [{ id: 'a', label: 0 }] })).status).toBe(400);
      const unknown = await feedback('nobody', { items: [{ id: 'a', label: 0 }] });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    });

    it("judges each serving version's live accuracy against the retrain policy's floor in a monitor run", async () => {
      const weights = await t.fetch('/admin/models/gt/traffic', admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 50, '2': 50 } }) }));
      expect(weights.status).toBe(200);
      const policy = await t.fetch('/admin/models/gt/retrain-policy', admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accuracy: { floor: 0.9, minLabels: 5, window: '1h' } }) }));
      expect(policy.status, await policy.clone().text()).toBe(200);
      expect(await policy.json()).toMatchObject({ retrainPolicy: { accuracy: { floor: 0.9, minLabels: 5, window: 3600 } } });
      const bad = await t.fetch('/admin/models/gt/retrain-policy', admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accuracy: { floor: 2 } }) }));
      expect(bad.status).toBe(400);

      const run = await t.fetch('/admin/drift-monitor/run', admin({ method: 'POST' }));
      expect(run.status).toBe(200);
      const results = ((await run.json()) as { results: Array<{ model: string; version: number; accuracy?: { labelled: number; accuracy: number; decision: { trigger: boolean; reason: string } } }> }).results.filter((r) => r.model === 'gt');
      const v1 = results.find((r) => r.version === 1)!.accuracy!;
      expect(v1).toMatchObject({ labelled: 12, decision: { trigger: true, reason: 'below_floor' } });
      expect(v1.accuracy).toBeCloseTo(8 / 12, 12);
      expect(results.find((r) => r.version === 2)!.accuracy).toMatchObject({ labelled: 5, accuracy: 1, decision: { trigger: false, reason: 'at_or_above_floor' } });
    });

    it('refuses accuracy reads with a bad window, version or model', async () => {
      expect((await accuracy('gt', '?from=yesterday')).status).toBe(400);
      expect((await accuracy('gt', '?from=2000&to=1000')).status).toBe(400);
      expect((await accuracy('gt', '?version=0')).status).toBe(400);
      expect((await accuracy('Not_A_Name')).status).toBe(400);
      expect((await accuracy('nobody')).status).toBe(404);
    });
  });
}
