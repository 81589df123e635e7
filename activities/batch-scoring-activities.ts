// Batch scoring's side effects: plan a batch (resolve its version, pin and read its input, cut it into
// chunks), score ranges of chunks with onnxruntime-node, each chunk's predictions stored as a blob of its
// own so that a retried attempt skips what is stored, and concatenate the chunks into the output CSV.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Context } from '@temporalio/activity';
import * as ort from 'onnxruntime-node';
import { readDataset } from '../artifacts/dataset-reader';
import { parseS3Uri, s3Uri } from '../artifacts/object-store-client';
import { planBatchChunks, type BatchChunk } from '../core/data/batch-chunks';
import { BatchRowError, encodeChunk, featureColumns, type EncodedChunk } from '../core/data/batch-features';
import { predictionRecords, predictionsHeader } from '../core/data/batch-predictions';
import { CsvError, parseCsv, toCsv } from '../core/data/csv';
import type { DatasetSpec } from '../core/data/dataset-spec';
import { isDatasetReference, parseDatasetReference } from '../core/data/dataset-reference';
import { WindsockError } from '../core/windsock-error';
import { batchKeys, type BatchHeartbeat, type BatchInput } from '../contracts/batch-scoring-messages';
import { resolveScoringVersion } from '../registry/scoring-version';
import type { ActivityDeps } from './activity-deps';
import { loadOnnxModel, type LoadedModel } from './onnx-model';

export interface PlannedBatch {
  version: number;
  artifactUri: string;
  artifactSha256: string;
  spec: DatasetSpec;
  /** The input as read: a dataset://name reference pinned to its version. */
  input: string;
  inputSha256: string;
  rows: number;
  chunks: number;
  planUri: string;
}

export interface ScoreChunksInput {
  batchId: string;
  planUri: string;
  input: string;
  inputSha256: string;
  artifactUri: string;
  artifactSha256: string;
  spec: DatasetSpec;
  idColumn?: string;
  /** The chunks this attempt owns, [from, to). */
  from: number;
  to: number;
}

export interface BatchOutput {
  uri: string;
  sha256: string;
  size: number;
  rows: number;
}

interface StoredPlan {
  inputSha256: string;
  headerEnd: number;
  /** [start, end, firstRow, rows] per chunk. */
  chunks: Array<[number, number, number, number]>;
}

export function batchScoringActivities(deps: ActivityDeps) {
  /** A chunk's blob lies beside the plan's: its URI without a put (the store knows keys, not URIs). */
  const chunkUri = (planUri: string, batchId: string, index: number) => planUri.slice(0, planUri.lastIndexOf('/plan.json')) + batchKeys(batchId).chunk(index).slice(`batches/${batchId}`.length);

  async function readInput(uri: string, sha256: string): Promise<Buffer> {
    const bytes = await readDataset(uri, deps);
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
      throw new WindsockError('dataset_invalid', `the batch input ${uri.slice(0, 200)} changed after the batch planned it; submit a new batch`);
    }
    return bytes;
  }

  async function loadVersion(artifactUri: string, artifactSha256: string): Promise<LoadedModel> {
    const bytes = await deps.blobs.get(artifactUri);
    if (createHash('sha256').update(bytes).digest('hex') !== artifactSha256) {
      throw new WindsockError('unprocessable', `the model artifact at ${artifactUri} does not match the version's sha256; it was altered after registration`);
    }
    return loadOnnxModel(bytes);
  }

  return {
    async prepareBatch(input: BatchInput & { batchId: string }): Promise<PlannedBatch> {
      const { version, spec } = await resolveScoringVersion(deps.registry, input.model, input);
      let reference = input.input;
      if (isDatasetReference(reference) && parseDatasetReference(reference)?.version === undefined) {
        if (!deps.datasetCatalog) throw new WindsockError('dataset_invalid', `batch input ${reference} names a registry dataset, and this worker has no dataset catalog`);
        reference = await deps.datasetCatalog.pin(reference);
      }
      const bytes = await readDataset(reference, deps);
      const inputSha256 = createHash('sha256').update(bytes).digest('hex');
      const plan = planBatchChunks(bytes, input.chunkRows);
      let header: string[];
      try {
        header = parseCsv(new TextDecoder().decode(bytes.subarray(0, plan.headerEnd))).header;
      } catch (err) {
        throw new WindsockError('dataset_invalid', `batch input ${reference.slice(0, 200)} is not valid CSV: ${(err as Error).message}`);
      }
      const { missing } = featureColumns(spec, header, input.idColumn);
      if (missing.length > 0) {
        throw new WindsockError('dataset_invalid', `batch input ${reference.slice(0, 200)} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that ${input.model} v${version.version} scores with`);
      }
      const stored: StoredPlan = { inputSha256, headerEnd: plan.headerEnd, chunks: plan.chunks.map((c) => [c.start, c.end, c.firstRow, c.rows]) };
      const planBlob = await deps.blobs.put(batchKeys(input.batchId).plan, JSON.stringify(stored));
      return {
        version: version.version,
        artifactUri: version.artifactUri,
        artifactSha256: version.artifactSha256,
        spec,
        input: reference,
        inputSha256,
        rows: plan.rows,
        chunks: plan.chunks.length,
        planUri: planBlob.uri,
      };
    },

    /**
     * Scores chunks [from, to) in order, storing each chunk's predictions before heartbeating it as done.
     * A retried attempt skips the chunks its last heartbeat named and those whose blob exists (a chunk
     * stored after the last heartbeat got through), so no finished chunk is scored twice.
     */
    async scoreBatchChunks(input: ScoreChunksInput): Promise<{ scored: number[]; reused: number[] }> {
      const ctx = Context.current();
      const previous = ctx.info.heartbeatDetails as BatchHeartbeat | undefined;
      const plan = JSON.parse(new TextDecoder().decode(await deps.blobs.get(input.planUri))) as StoredPlan;
      const chunks: BatchChunk[] = plan.chunks.map(([start, end, firstRow, rows]) => ({ start, end, firstRow, rows }));
      const done = new Set(previous?.done ?? []);
      const reused: number[] = [];
      const todo: number[] = [];
      for (let i = input.from; i < input.to; i++) {
        if (done.has(i) || (await deps.blobs.exists(chunkUri(input.planUri, input.batchId, i)))) reused.push(i);
        else todo.push(i);
      }
      const heartbeat: BatchHeartbeat = { done: [...reused], rows: reused.reduce((n, i) => n + chunks[i]!.rows, 0) };
      ctx.heartbeat(heartbeat);
      if (todo.length === 0) return { scored: [], reused };

      const bytes = await readInput(input.input, input.inputSha256);
      const model = await loadVersion(input.artifactUri, input.artifactSha256);
      const headerText = new TextDecoder().decode(bytes.subarray(0, plan.headerEnd));
      const header = parseCsv(headerText).header;
      const { columns } = featureColumns(input.spec, header, input.idColumn);
      const inputName = model.signature.inputs[0]?.name;
      const outputName = model.signature.outputs.find((o) => o.name === 'probabilities')?.name ?? model.signature.outputs[0]?.name;
      if (!columns || !inputName || !outputName) throw new WindsockError('unprocessable', 'the batch input or the model does not fit the plan');
      const classes = input.spec.target.classes;
      const width = input.spec.features.length;
      const decoder = new TextDecoder('utf-8', { fatal: true });
      const scored: number[] = [];
      try {
        for (const index of todo) {
          const chunk = chunks[index]!;
          let text: string;
          try {
            text = decoder.decode(bytes.subarray(chunk.start, chunk.end));
          } catch {
            throw new WindsockError('dataset_invalid', `batch input is not UTF-8 text in chunk ${index} (data rows ${chunk.firstRow} to ${chunk.firstRow + chunk.rows - 1}); save the file as UTF-8`);
          }
          let encoded: EncodedChunk;
          try {
            encoded = encodeChunk(input.spec, columns, headerText, text, chunk.firstRow);
          } catch (err) {
            if (err instanceof BatchRowError) throw new WindsockError('dataset_invalid', `batch input ${err.message}`);
            if (!(err instanceof CsvError)) throw err;
            throw new WindsockError('dataset_invalid', `batch input is not valid CSV in chunk ${index} (near data row ${chunk.firstRow + err.line - 2}): ${err.message.replace(/^line \d+: /, '')}`);
          }
          if (encoded.rows !== chunk.rows) throw new WindsockError('dataset_invalid', `batch input chunk ${index} holds ${encoded.rows} records where the plan counted ${chunk.rows}`);
          const rows = encoded.rows;
          const result = await model.session.run({ [inputName]: new ort.Tensor('float32', encoded.features, [rows, width]) }, [outputName]);
          const probabilities = result[outputName]!.data as Float32Array;
          if (probabilities.length !== rows * classes.length) {
            throw new WindsockError('unprocessable', `output ${outputName} has ${probabilities.length} values for ${rows} rows; expected ${classes.length} per row (the classes ${classes.join(', ')})`);
          }
          await deps.blobs.put(batchKeys(input.batchId).chunk(index), predictionRecords({ classes, firstRow: chunk.firstRow, ids: encoded.ids, probabilities }));
          scored.push(index);
          heartbeat.done.push(index);
          heartbeat.rows += chunk.rows;
          ctx.heartbeat(heartbeat);
          // A cancelled batch stops between chunks; what is stored stays for nobody to reuse.
          if (ctx.cancellationSignal.aborted) await ctx.cancelled;
        }
      } finally {
        await model.session.release();
      }
      return { scored, reused };
    },

    /** Header and chunks, in order, into the output: streamed through a temporary file, hashed on the way. */
    async finishBatch(input: { batchId: string; planUri: string; chunks: number; rows: number; classes: string[]; idColumn?: string; output?: string }): Promise<BatchOutput> {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'windsock-batch-'));
      const file = path.join(dir, `${randomUUID()}.csv`);
      try {
        const hash = createHash('sha256');
        const out = createWriteStream(file);
        const write = async (data: Uint8Array | string) => {
          hash.update(data);
          if (!out.write(data)) await once(out, 'drain');
        };
        await write(toCsv(predictionsHeader(input.classes, input.idColumn), []));
        for (let i = 0; i < input.chunks; i++) {
          const uri = chunkUri(input.planUri, input.batchId, i);
          if (!(await deps.blobs.exists(uri))) throw new WindsockError('internal', `chunk ${i} of batch ${input.batchId} is not stored; the batch cannot be completed`);
          await write(await deps.blobs.get(uri));
        }
        out.end();
        await once(out, 'close');
        const sha256 = hash.digest('hex');
        const { size } = await stat(file);
        if (input.output === undefined) {
          const stored = await deps.blobs.putFile(batchKeys(input.batchId).output, file);
          return { uri: stored.uri, sha256: stored.sha256, size: stored.size, rows: input.rows };
        }
        if (!deps.objectStore) throw new WindsockError('bad_request', `the batch output ${input.output.slice(0, 200)} is in object storage, and this worker has no object-store credentials (AWS_ACCESS_KEY_ID)`);
        const target = parseS3Uri(input.output.endsWith('/') ? `${input.output}${input.batchId}.csv` : input.output, 'batch output');
        await deps.objectStore.putFile(target, file, size, sha256);
        return { uri: s3Uri(target), sha256, size, rows: input.rows };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async recordBatchEvent(input: { batchId: string; event: 'batch.started' | 'batch.finished'; model: string; version?: number; actor: string; details: Record<string, unknown> }): Promise<void> {
      await deps.registry.appendAudit({
        dedupeKey: `${input.batchId}:${input.event}`,
        actor: input.actor,
        event: input.event,
        modelName: input.model,
        ...(input.version === undefined ? {} : { version: input.version }),
        details: { batchId: input.batchId, ...input.details },
      });
    },
  };
}
