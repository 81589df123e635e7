// onnxruntime-web inside workerd: the one place that knows how to start ORT's wasm backend in
// an isolate that may not compile WebAssembly from bytes, fetch files, or start threads.
//
// - `onnxruntime-web/wasm` is the build with the Emscripten glue embedded, so nothing is
//   imported at run time (workerd has no dynamic import of URLs).
// - The .wasm is imported as a precompiled WebAssembly.Module (wrangler's CompiledWasm rule).
//   ORT can only be given wasm bytes (`env.wasm.wasmBinary`), and workerd refuses to compile
//   bytes ("Wasm code generation disallowed by embedder"), so ORT gets a marker buffer and
//   the one `WebAssembly.instantiate` call that receives it instantiates the module instead.
// - One thread, no proxy worker: an isolate has neither Web Workers nor shared-memory threads.
import * as ort from 'onnxruntime-web/wasm';
import ortWasmModule from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';

export { ort };
export type { InferenceSession, Tensor } from 'onnxruntime-web/wasm';

/** The onnxruntime-web release this module is written against (package.json pins it exactly). */
export const ORT_WEB_VERSION = '1.30.0';

// Emscripten copies the binary into `new Uint8Array(buffer)` before instantiating it, which
// keeps the ArrayBuffer: identity of the buffer is how the one call is recognised.
const wasmMarker = new ArrayBuffer(8);

let configured = false;

function configure(): void {
  if (configured) return;
  configured = true;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = wasmMarker;

  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  WebAssembly.instantiate = ((source: unknown, imports?: WebAssembly.Imports) => {
    const isMarker =
      source === wasmMarker || (ArrayBuffer.isView(source) && source.buffer === wasmMarker);
    if (!isMarker) return (instantiate as (s: unknown, i?: WebAssembly.Imports) => unknown)(source, imports);
    return instantiate(ortWasmModule, imports).then((instance) => ({ instance, module: ortWasmModule }));
  }) as typeof WebAssembly.instantiate;
}

/**
 * Loads an ONNX model into a new session on ORT's wasm backend. The first call in an isolate
 * also starts the backend (0.5 to 1.5 s measured locally, against tens of milliseconds for each
 * later session), so callers cache sessions per isolate.
 */
export async function createSession(
  model: Uint8Array,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<ort.InferenceSession> {
  configure();
  return ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    ...options,
  });
}
