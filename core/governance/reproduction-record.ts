// What a version records so that it can be trained again exactly (lineage.reproducibility), and what a
// reproduction needs from the artifact store before it may start. Pure: the I/O that checks the blobs
// lives in artifacts/recorded-inputs.ts.
import { z } from 'zod';
import { jobSpecSchema } from '../pipeline/pipeline-template';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
const recordedBlobSchema = z.object({ uri: z.string().min(1), sha256: sha256Hex });

/** The job's code as it ran: a manifest of content-addressed files in the artifact store. */
export const codeSnapshotSchema = z.object({
  /** sha256 of the manifest's canonical JSON (the manifest blob's own bytes): the code version. */
  digest: sha256Hex,
  manifestUri: z.string().min(1),
  files: z.number().int().min(1),
  bytes: z.number().int().min(0),
});

export const REPRODUCTION_RECORD_FORMAT = 1;

export const reproductionRecordSchema = z.object({
  format: z.literal(REPRODUCTION_RECORD_FORMAT),
  /** null when the job's code could not be captured; `codeUnavailable` says why. */
  code: codeSnapshotSchema.nullable(),
  codeUnavailable: z.string().optional(),
  /** The seed the job ran with: what it reported (its params), else what Windsock passed; null if neither. */
  seed: z.number().int().nullable(),
  /** The job spec as submitted (command, compute profile, deadline, GPUs, budget). */
  job: jobSpecSchema,
  /** The dataset spec the job was given, and the splits it trained on and was evaluated on. */
  datasetSpec: recordedBlobSchema,
  trainSplit: recordedBlobSchema,
  holdoutSplit: recordedBlobSchema,
});

export type CodeSnapshotRecord = z.infer<typeof codeSnapshotSchema>;
export type ReproductionRecord = z.infer<typeof reproductionRecordSchema>;

/** One blob a reproduction reads, with the digest it must still have. */
export interface RecordedInput {
  /** What it is, as a refusal names it ("the holdout split"). */
  what: string;
  uri: string;
  sha256: string;
}

export type ReproductionPlan =
  | { ok: true; record: ReproductionRecord; inputs: RecordedInput[] }
  | { ok: false; reason: string };

/**
 * Whether a version's lineage carries what a reproduction needs, and the blobs it will read (the code
 * manifest's own files are listed by the manifest). Versions from before the record, or whose code
 * could not be captured, are refused with the reason.
 */
export function reproductionPlan(version: { version: number; artifactUri: string; artifactSha256: string; lineage: unknown }): ReproductionPlan {
  const raw = (version.lineage as { reproducibility?: unknown } | null)?.reproducibility;
  if (raw === undefined || raw === null) {
    return { ok: false, reason: `version ${version.version} was registered before Windsock recorded code versions; it cannot be reproduced` };
  }
  const parsed = reproductionRecordSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: `version ${version.version}'s reproducibility record is not one this Windsock reads (format ${JSON.stringify((raw as { format?: unknown }).format ?? null)})` };
  }
  const record = parsed.data;
  if (!record.code) {
    return { ok: false, reason: `version ${version.version}'s code version was not recorded: ${record.codeUnavailable ?? 'the job command names no script'}` };
  }
  return {
    ok: true,
    record,
    inputs: [
      { what: `the code snapshot manifest (code version sha256:${record.code.digest})`, uri: record.code.manifestUri, sha256: record.code.digest },
      { what: 'the dataset spec', ...record.datasetSpec },
      { what: 'the train split', ...record.trainSplit },
      { what: 'the holdout split', ...record.holdoutSplit },
      { what: `the model artifact of version ${version.version}`, uri: version.artifactUri, sha256: version.artifactSha256 },
    ],
  };
}

/**
 * The params a reproduction passes: the recorded ones, with the recorded seed made explicit when the
 * job reported one the params left to its default (so the run cannot drift with a changed default).
 */
export function reproductionParams(params: Record<string, unknown>, seed: number | null): Record<string, unknown> {
  return seed === null || 'seed' in params ? params : { ...params, seed };
}

/** The seed a job ran with: the one it reported (built-in trainers report their params), else the one passed. */
export function effectiveSeed(passed: Record<string, unknown>, jobMetrics: Record<string, unknown> | undefined): number | null {
  const reported = jobMetrics?.params as Record<string, unknown> | undefined;
  for (const candidate of [reported?.seed, jobMetrics?.seed, passed.seed]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) return candidate;
  }
  return null;
}
