// The ports that let one inference app run on Workers (onnxruntime-web, D1, R2) and on Node
// (onnxruntime-node, libSQL, the blob store): routes, routing, validation and recording are written once.
import type { InferenceInput, InferenceOutput } from '../../core/serving/inference-protocol';
import type { ModelSignature } from '../../core/serving/model-signature';

export interface LoadedSession {
  /** Runs the model on checked inputs (in signature order) and returns the named outputs. */
  run(inputs: readonly InferenceInput[], outputNames: readonly string[]): Promise<InferenceOutput[]>;
  release(): Promise<void>;
}

export interface InferenceBackend {
  readonly name: string;
  load(bytes: Uint8Array, signature: ModelSignature): Promise<LoadedSession>;
}

/** Model bytes by versioned key: R2 at the edge, the blob store on Node. */
export interface ArtifactSource {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

/** Work that must finish after the response: ctx.waitUntil on Workers, a tracked promise on Node. */
export type Defer = (work: Promise<unknown>) => void;

/**
 * How the app times a request for the latency sketch. On Workers the clock moves only across I/O, so
 * the reading waits for a timer after the response (below); Node has its own (monotonic-latency-clock).
 */
export interface LatencyClock {
  /** A timestamp in ms, for differences only. */
  now(): number;
  /** Resolves when a reading of now() covers the work done before the call. */
  settle(): Promise<void>;
}

export const workersLatencyClock: LatencyClock = {
  now: () => Date.now(),
  settle: () => new Promise((resolve) => setTimeout(resolve, 0)),
};
