// The scheduled drift monitor: for every version that serves traffic, drift of the last window
// against its reference profile, stored as a report (the retraining trigger reads these).
import { computeDrift, driftPolicySchema } from '../../core/drift-report';
import { driftCurrentOf } from '../../core/version-sketch';
import type { EdgeStore } from './edge-store';
import { mergedSketches } from './merged-sketches';

export interface DriftMonitorResult {
  model: string;
  version: number;
  datasetDrift: boolean;
  driftShare: number;
  insufficientData: boolean;
}

export async function runDriftMonitor(store: EdgeStore, now: number, windowMinutes = 60): Promise<DriftMonitorResult[]> {
  const results: DriftMonitorResult[] = [];
  const toMinute = Math.floor(now / 60_000);
  const fromMinute = toMinute - windowMinutes + 1;
  for (const model of await store.listModels()) {
    const traffic = await store.getTraffic(model);
    if (!traffic) continue;
    const policy = driftPolicySchema.parse((await store.getDriftPolicy(model)) ?? {});
    const merged = await mergedSketches(store, model, fromMinute, toMinute);
    for (const [version, sketch] of merged) {
      if (!(traffic.weights[String(version)]! > 0)) continue;
      const deployment = await store.getDeployment(model, version);
      if (!deployment) continue;
      const report = computeDrift({ profile: deployment.referenceProfile, current: driftCurrentOf(sketch), policy });
      await store.saveDriftReport({
        modelName: model,
        version,
        windowStart: new Date(fromMinute * 60_000),
        windowEnd: new Date((toMinute + 1) * 60_000),
        computedAt: new Date(now),
        datasetDrift: report.datasetDrift,
        report,
      });
      results.push({ model, version, datasetDrift: report.datasetDrift, driftShare: report.driftShare, insufficientData: report.insufficientData });
    }
  }
  return results;
}
