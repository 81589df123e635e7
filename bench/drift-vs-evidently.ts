// `tsx bench/drift-vs-evidently.ts [--models 1000] [--features 100] [--bins 30] [--ref-rows 5000]
//   [--window-rows 2000] [--datasets 4] [--runs 3] [--report-methods psi] [--python PATH] [--no-peer]`:
// the drift monitor's cost per model and per run of many models (computeDrift on a reference profile
// and a window's sketch, as runDriftMonitor calls it, store I/O left out), and Evidently (PyPI, pinned
// in bench/requirements-drift.txt) on the raw rows those sketches came from, side by side in one run.
// Raw rows are drawn from a seed and written once as .npy files to a temp dir; Windsock profiles and
// sketches them, bench/drift_evidently_peer.py reads the same files. Values are checked twice: on
// Windsock's own bins (Evidently's stattests fed bin indices and bin points), where they must agree,
// and as Evidently bins raw values itself, where they differ by design and the gap is measured.
// The Python: --python, else $DRIFT_PYTHON, else ~/.cache/windsock/venv-drift (made on first use).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeDrift, driftPolicySchema, type DriftReport } from '../core/monitoring/drift-report';
import { binRepresentatives, jensenShannonDistance, ksOnBinnedCdf, psi, wassersteinNormed } from '../core/statistics/drift-statistics';
import { datasetSpecSchema } from '../core/data/dataset-spec';
import { buildReferenceProfile, type NumericFeatureProfile, type ReferenceProfile } from '../core/monitoring/reference-profile';
import { mulberry32, type Random } from '../core/statistics/seeded-random';
import { driftCurrentOf, emptyVersionSketch, recordInference, type VersionSketch } from '../core/monitoring/version-sketch';
import { printTable, summarize, writeResults } from './bench-report';
import { flag, intArg, textArg } from './bench-args';

const models = intArg('models', 1000);
const featureCount = intArg('features', 100);
const bins = intArg('bins', 30);
const refRows = intArg('ref-rows', 5000);
const windowRows = intArg('window-rows', 2000);
const datasetCount = intArg('datasets', 4);
const runs = intArg('runs', 3);
const reportMethods = textArg('report-methods') ?? 'psi';
const withPeer = !flag('no-peer');
const benchRoot = path.dirname(fileURLToPath(import.meta.url));
const defaultVenv = path.join(os.homedir(), '.cache/windsock/venv-drift');

// ---- raw rows, drawn from a seed ---------------------------------------------------------------

function normal(random: Random): number {
  // Box-Muller; 1 - u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Feature f of dataset d: four shapes (normal, log-normal, uniform, bimodal) at various locations and scales. */
function drawValue(f: number, random: Random): number {
  const scale = 0.5 + (f % 7) * 0.3;
  const loc = (f % 11) - 5;
  switch (f % 4) {
    case 0:
      return loc + scale * normal(random);
    case 1:
      return loc + scale * Math.exp(0.5 * normal(random));
    case 2:
      return loc + scale * 1.7 * (2 * random() - 1);
    default:
      return random() < 0.3 ? loc - 2 * scale + 0.5 * scale * normal(random) : loc + scale + 0.7 * scale * normal(random);
  }
}

/** Three features in ten drift in the window (which ones varies by data set). */
const drifts = (f: number, d: number) => (f + d) % 10 < 3;

/** A drifted feature shifts by 0.05 to 0.5 of its scale; one in twenty is widened by half too. */
function windowValue(f: number, d: number, random: Random): number {
  const value = drawValue(f, random);
  if (!drifts(f, d)) return value;
  const scale = 0.5 + (f % 7) * 0.3;
  const shift = scale * (0.05 + (0.45 * ((f * 7 + d * 3) % 10)) / 9);
  return (f % 20 === 5 ? value * 1.5 : value) + shift;
}

function drawRows(count: number, seed: number, value: (f: number, random: Random) => number): number[][] {
  const random = mulberry32(seed);
  const rows: number[][] = [];
  for (let r = 0; r < count; r++) {
    const row = new Array<number>(featureCount);
    for (let f = 0; f < featureCount; f++) row[f] = value(f, random);
    rows.push(row);
  }
  return rows;
}

/** A .npy (format 1.0) of float64 rows, as numpy.load reads it. */
function writeNpy(file: string, rows: number[][]): void {
  const width = rows[0]!.length;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows.length}, ${width}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = new Float64Array(rows.length * width);
  rows.forEach((row, r) => data.set(row, r * width));
  writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

// ---- Windsock's side: profile, sketch, drift --------------------------------------------------------

const spec = datasetSpecSchema.parse({
  features: Array.from({ length: featureCount }, (_, f) => ({ name: `f${f}`, type: 'float' })),
  target: { name: 'label', classes: ['no', 'yes'], positiveClass: 'yes' },
});

/** A stand-in model: the probability of 'yes' rises with the first feature. */
function predict(row: readonly number[]): number[] {
  const p = 1 / (1 + Math.exp(-row[0]!));
  return [1 - p, p];
}

type Dataset = { profile: ReferenceProfile; sketch: VersionSketch; refRows: number[][]; windowRows: number[][]; sketchMs: number };

/** The window as the edge records it: requests of 10 rows each into one sketch. */
function sketchWindow(profile: ReferenceProfile, rows: number[][]): VersionSketch {
  const sketch = emptyVersionSketch(profile);
  for (let r = 0; r < rows.length; r += 10) {
    const batch = rows.slice(r, r + 10);
    recordInference(sketch, profile, { latencyMs: 1, rows: batch, predictedClasses: batch.map((row) => (predict(row)[1]! > 0.5 ? 1 : 0)) });
  }
  return sketch;
}

function makeDataset(d: number): Dataset {
  const ref = drawRows(refRows, 1000 + d, drawValue);
  const win = drawRows(windowRows, 2000 + d, (f, random) => windowValue(f, d, random));
  const profile = buildReferenceProfile({ spec, features: ref, predictions: ref.map(predict), bins });
  const start = performance.now();
  const sketch = sketchWindow(profile, win);
  return { profile, sketch, refRows: ref, windowRows: win, sketchMs: performance.now() - start };
}

/** Model i of the monitor run: its own copy of a dataset's profile, and a window perturbed per model. */
function monitorFixture(datasets: Dataset[], i: number): { profile: ReferenceProfile; sketch: VersionSketch } {
  const base = datasets[i % datasets.length]!;
  const sketch = structuredClone(base.sketch);
  let f = 0;
  for (const counts of Object.values(sketch.features)) {
    for (let b = 0; b < counts.length - 1; b++) counts[b]! += (i + f + b) % 3;
    f++;
  }
  return { profile: structuredClone(base.profile), sketch };
}

const policy = driftPolicySchema.parse({});

/** One monitor run: drift of every model's window, timed per model; the reports are kept so nothing is optimised away. */
function monitorRun(fixtures: { profile: ReferenceProfile; sketch: VersionSketch }[]): { totalMs: number; perModelMs: number[]; drifted: number } {
  const perModelMs: number[] = [];
  let drifted = 0;
  const start = performance.now();
  for (const { profile, sketch } of fixtures) {
    const t0 = performance.now();
    const report: DriftReport = computeDrift({ profile, current: driftCurrentOf(sketch), policy });
    perModelMs.push(performance.now() - t0);
    drifted += report.driftedFeatures;
  }
  return { totalMs: performance.now() - start, perModelMs, drifted };
}

/** Mean ms of `fn` over `count` calls, after the same number as warm-up. */
function meanMs(count: number, fn: (i: number) => void): number {
  for (let i = 0; i < count; i++) fn(i);
  const start = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  return (performance.now() - start) / count;
}

// ---- the Python peer ----------------------------------------------------------------------------------

function resolvePython(): string | null {
  const explicit = textArg('python') ?? process.env.DRIFT_PYTHON;
  if (explicit) return explicit;
  const venvPython = path.join(defaultVenv, 'bin/python');
  if (!existsSync(venvPython)) {
    console.log(`[bench] making ${defaultVenv} from bench/requirements-drift.txt (once)`);
    const make = spawnSync('python3', ['-m', 'venv', defaultVenv], { stdio: 'inherit' });
    const install = make.status === 0 && spawnSync(venvPython, ['-m', 'pip', 'install', '-q', '-r', path.join(benchRoot, 'requirements-drift.txt')], { stdio: 'inherit' });
    if (!install || install.status !== 0) {
      console.error(`[bench] could not make the venv; the Evidently peer is skipped (pass --python PATH to one with bench/requirements-drift.txt)`);
      return null;
    }
  }
  return venvPython;
}

type PeerValues = {
  name: string;
  raw: { psi: number | null; js: number | null; wasserstein: number | null; ksPValue: number | null; ksStatistic: number | null };
  sameBins: { sameCounts: boolean; psi: number | null; js: number | null; wasserstein: number | null };
};
type PeerAnswer = {
  versions: Record<string, string>;
  rows: { reference: number; current: number; features: number };
  quantileEdgesMaxAbsDiff: number | null;
  stattests: { seconds: number; perMethod: Record<string, number> }[];
  reports: { method: string; seconds: number; values: Record<string, number | null> }[];
  values: PeerValues[][];
};

function runPeer(python: string, dir: string, datasets: Dataset[]): PeerAnswer | null {
  const manifest = {
    bins,
    datasets: datasets.map((dataset, d) => {
      writeNpy(path.join(dir, `ref-${d}.npy`), dataset.refRows);
      writeNpy(path.join(dir, `cur-${d}.npy`), dataset.windowRows);
      const current = driftCurrentOf(dataset.sketch);
      return {
        ref: `ref-${d}.npy`,
        cur: `cur-${d}.npy`,
        features: (dataset.profile.features as NumericFeatureProfile[]).map((feature) => ({
          name: feature.name,
          edges: feature.edges,
          points: binRepresentatives(feature.edges, feature.min, feature.max),
          std: feature.std,
          refCounts: feature.counts,
          curCounts: current.features[feature.name],
        })),
      };
    }),
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const out = path.join(dir, 'evidently.json');
  const result = spawnSync(python, [path.join(benchRoot, 'drift_evidently_peer.py'), path.join(dir, 'manifest.json'), out, '--report-methods', reportMethods], {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: dir,
  });
  if (result.status !== 0) {
    console.error(`[bench] the Evidently peer failed (exit ${result.status}); install bench/requirements-drift.txt into ${python}'s environment`);
    return null;
  }
  return JSON.parse(readFileSync(out, 'utf8')) as PeerAnswer;
}

// ---- agreement ------------------------------------------------------------------------------------

type Agreement = {
  label: string;
  n: number;
  meanWindsock: number;
  meanEvidently: number;
  maxAbs: number;
  maxRel: number;
  medianRel: number;
  verdicts: string;
  note: string;
};

/** |windsock - evidently| over every feature, absolute and relative to Evidently's value, and how often the 0.1 verdicts match. */
function agreement(label: string, pairs: [number, number][], note: string, threshold = 0.1): Agreement {
  const abs = pairs.map(([w, e]) => Math.abs(w - e));
  const rel = pairs.map(([w, e]) => Math.abs(w - e) / Math.max(Math.abs(e), 1e-300));
  const same = pairs.filter(([w, e]) => w >= threshold === e >= threshold).length;
  const sortedRel = [...rel].sort((a, b) => a - b);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    label,
    n: pairs.length,
    meanWindsock: mean(pairs.map(([w]) => w)),
    meanEvidently: mean(pairs.map(([, e]) => e)),
    maxAbs: Math.max(...abs),
    maxRel: Math.max(...rel),
    medianRel: sortedRel[Math.floor(sortedRel.length / 2)] ?? NaN,
    verdicts: `${same}/${pairs.length}`,
    note,
  };
}

const fmtSci = (x: number) => (x === 0 ? '0' : x.toExponential(1));
const fmtPct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
const fmtMs = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 1 ? `${x.toFixed(1)} ms` : `${(x * 1000).toFixed(0)} µs`);

// ---- the run -------------------------------------------------------------------------------------

console.log(`[bench] ${datasetCount} data sets of ${refRows} reference and ${windowRows} window rows x ${featureCount} features, ${bins} quantile bins; ${models} models per monitor run`);
const datasets = Array.from({ length: datasetCount }, (_, d) => makeDataset(d));
const binsPerFeature = summarize(datasets.flatMap((d) => d.profile.features.map((f) => f.counts.length)));
const fixtures = Array.from({ length: models }, (_, i) => monitorFixture(datasets, i));

const before = Array.from({ length: runs }, () => monitorRun(fixtures));

// Where a model's time goes: the statistics alone over the same features, the policy parse that
// computeDrift repeats on every call, and slicing the sketch.
const numericOf = (i: number) => fixtures[i % fixtures.length]!;
const breakdown = {
  psi: meanMs(200, (i) => { const { profile, sketch } = numericOf(i); for (const f of profile.features as NumericFeatureProfile[]) psi(f.counts, sketch.features[f.name]!.slice(0, -1)); }),
  js: meanMs(200, (i) => { const { profile, sketch } = numericOf(i); for (const f of profile.features as NumericFeatureProfile[]) jensenShannonDistance(f.counts, sketch.features[f.name]!.slice(0, -1), { base: Math.E }); }),
  wasserstein: meanMs(200, (i) => { const { profile, sketch } = numericOf(i); for (const f of profile.features as NumericFeatureProfile[]) wassersteinNormed(f.counts, sketch.features[f.name]!.slice(0, -1), f); }),
  ks: meanMs(200, (i) => { const { profile, sketch } = numericOf(i); for (const f of profile.features as NumericFeatureProfile[]) ksOnBinnedCdf(f.counts, sketch.features[f.name]!.slice(0, -1)); }),
  policyParse: meanMs(2000, () => driftPolicySchema.parse(policy)),
  driftCurrentOf: meanMs(2000, (i) => driftCurrentOf(numericOf(i).sketch)),
};
const sketchFromRaw = meanMs(3, (i) => sketchWindow(datasets[i % datasets.length]!.profile, datasets[i % datasets.length]!.windowRows));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'windsock-drift-'));
let peer: PeerAnswer | null = null;
let python: string | null = null;
try {
  if (withPeer) {
    python = resolvePython();
    if (python) peer = runPeer(python, tmp, datasets);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const after = Array.from({ length: runs }, () => monitorRun(fixtures));

// ---- cost table ------------------------------------------------------------------------------------

const warmRuns = [...before.slice(1), ...after];
const runTotals = warmRuns.map((r) => r.totalMs);
const perModel = summarize(warmRuns.flatMap((r) => r.perModelMs));
const totalMedian = summarize(runTotals).p50;
const windsockPerModel = perModel.p50;
const costRows: string[][] = [
  ['Windsock computeDrift (from the sketch), per model', fmtMs(perModel.p50), fmtMs(perModel.p95), fmtMs(totalMedian), '1.0'],
  [`  first run of ${models} (cold JIT)`, '', '', fmtMs(before[0]!.totalMs), ''],
  [`  ${models}-model run totals (warm, ${runTotals.length} runs)`, '', '', runTotals.map((t) => fmtMs(t)).join(', '), ''],
  [`Windsock recordInference of a ${windowRows}-row window (edge side)`, fmtMs(sketchFromRaw), '', fmtMs(sketchFromRaw * models), (sketchFromRaw / windsockPerModel).toFixed(1)],
];
if (peer) {
  const st = summarize(peer.stattests.map((s) => s.seconds * 1000));
  costRows.push([`Evidently stattests psi+js+wasserstein on raw rows (${peer.stattests.length} models)`, fmtMs(st.p50), fmtMs(st.max), `${fmtMs(st.p50 * models)} (x${models})`, (st.p50 / windsockPerModel).toFixed(0)]);
  for (const method of ['psi', 'jensenshannon', 'wasserstein']) {
    const one = summarize(peer.stattests.map((s) => s.perMethod[method]! * 1000));
    costRows.push([`  of which ${method}`, fmtMs(one.p50), fmtMs(one.max), '', (one.p50 / windsockPerModel).toFixed(0)]);
  }
  for (const report of peer.reports) {
    costRows.push([`Evidently Report(DataDriftPreset(method=${report.method})), 1 model`, fmtMs(report.seconds * 1000), '', `${fmtMs(report.seconds * 1000 * models)} (x${models})`, (report.seconds * 1000 / windsockPerModel).toFixed(0)]);
  }
}
console.log(`\nDrift cost: ${featureCount} features x ${binsPerFeature.p50} bins (+ the prediction mix) per model; Evidently on ${refRows} + ${windowRows} raw rows per model`);
printTable(['step', 'p50 / model', 'p95 (max for Python)', `${models} models`, 'x Windsock p50'], costRows);
const stats = breakdown.psi + breakdown.js + breakdown.wasserstein + breakdown.ks;
console.log(
  `Windsock per model, means: computeDrift ${fmtMs(totalMedian / models)}; of the statistics alone (each slicing the sketch itself, ${fmtMs(stats)} in all) ` +
    `psi ${fmtMs(breakdown.psi)}, js ${fmtMs(breakdown.js)}, wasserstein ${fmtMs(breakdown.wasserstein)}, ks ${fmtMs(breakdown.ks)}; ` +
    `policy parse ${fmtMs(breakdown.policyParse)}, driftCurrentOf ${fmtMs(breakdown.driftCurrentOf)}`,
);

// ---- agreement table ----------------------------------------------------------------------------

const agreements: Agreement[] = [];
let sameCounts = true;
const ksBound = { checked: 0, dAbove: 0, pBelow: 0 };
if (peer) {
  const sameBins = { psi: [] as [number, number][], js: [] as [number, number][], wasserstein: [] as [number, number][] };
  const rawPairs = () => ({ psi: [] as [number, number][], js: [] as [number, number][], wasserstein: [] as [number, number][] });
  const raw = { drifted: rawPairs(), steady: rawPairs() };
  datasets.forEach((dataset, d) => {
    const report = computeDrift({ profile: dataset.profile, current: driftCurrentOf(dataset.sketch), policy });
    report.features.forEach((column, f) => {
      const theirs = peer!.values[d]![f]!;
      const ours = column.statistics!;
      sameCounts &&= theirs.sameBins.sameCounts;
      sameBins.psi.push([ours.psi, theirs.sameBins.psi!]);
      sameBins.js.push([ours.js, theirs.sameBins.js!]);
      sameBins.wasserstein.push([ours.wasserstein!, theirs.sameBins.wasserstein!]);
      const own = raw[drifts(f, d) ? 'drifted' : 'steady'];
      own.psi.push([ours.psi, theirs.raw.psi!]);
      own.js.push([ours.js, theirs.raw.js!]);
      own.wasserstein.push([ours.wasserstein!, theirs.raw.wasserstein!]);
      ksBound.checked++;
      if (ours.ks! > theirs.raw.ksStatistic! + 1e-12) ksBound.dAbove++;
      if (ours.ksPValue! < theirs.raw.ksPValue! - 1e-12) ksBound.pBelow++;
    });
  });
  agreements.push(
    agreement('PSI, same bins', sameBins.psi, 'Evidently psi on the bin indices as a categorical column'),
    agreement('JS (natural log), same bins', sameBins.js, 'Evidently jensenshannon on the bin indices as a categorical column'),
    agreement('Wasserstein/std, same bin points', sameBins.wasserstein, 'Evidently wasserstein on bin points, re-normed by the raw std'),
    agreement('PSI, own bins, drifted features', raw.drifted.psi, `Windsock ${bins} reference-quantile bins; Evidently Sturges equal-width bins over both samples`),
    agreement('PSI, own bins, steady features', raw.steady.psi, 'as above; more bins, higher noise floor'),
    agreement('JS, own bins, drifted features', raw.drifted.js, 'as PSI'),
    agreement('JS, own bins, steady features', raw.steady.js, 'as PSI'),
    agreement('Wasserstein/std, drifted, binned vs raw', raw.drifted.wasserstein, 'Windsock moves values to bin midpoints; Evidently uses raw values'),
    agreement('Wasserstein/std, steady, binned vs raw', raw.steady.wasserstein, 'as above'),
  );
  console.log(
    `\nValue agreement over ${datasets.length} x ${featureCount} features (${peer.versions.evidently ? `Evidently ${peer.versions.evidently}` : ''}, ` +
      `scipy ${peer.versions.scipy}, numpy ${peer.versions.numpy}); bin counts identical on both sides: ${sameCounts ? 'yes' : 'NO'}; ` +
      `Windsock edges vs numpy.quantile: max |diff| ${fmtSci(peer.quantileEdgesMaxAbsDiff ?? NaN)}`,
  );
  printTable(
    ['statistic', 'n', 'mean W', 'mean E', 'max |W-E|', 'max rel', 'median rel', 'verdicts @0.1 agree', 'how Evidently was fed'],
    agreements.map((a) => [a.label, String(a.n), a.meanWindsock.toFixed(4), a.meanEvidently.toFixed(4), fmtSci(a.maxAbs), a.maxRel < 1e-3 ? fmtSci(a.maxRel) : fmtPct(a.maxRel), a.medianRel < 1e-3 ? fmtSci(a.medianRel) : fmtPct(a.medianRel), a.verdicts, a.note]),
  );
  console.log(
    `KS on binned CDFs vs Evidently's ks on raw rows: D above the raw D in ${ksBound.dAbove}/${ksBound.checked} features, ` +
      `p-value below the raw p in ${ksBound.pBelow}/${ksBound.checked} (binning can only hide differences)`,
  );
  for (const report of peer.reports) {
    const pairs = peer.values[0]!.map((v): [number, number] => [report.values[v.name]!, report.method === 'psi' ? v.raw.psi! : report.method === 'jensenshannon' ? v.raw.js! : v.raw.wasserstein!]);
    console.log(`Evidently Report ${report.method} values vs its stattest called directly: max |diff| ${fmtSci(Math.max(...pairs.map(([a, b]) => Math.abs(a - b))))}`);
  }
}

const file = writeResults('drift-vs-evidently', {
  config: { models, featureCount, bins, binsPerFeature: binsPerFeature.p50, refRows, windowRows, datasetCount, runs, reportMethods, python },
  windsock: {
    runs: [...before, ...after].map((r) => ({ totalMs: r.totalMs, perModel: summarize(r.perModelMs), driftedFeatures: r.drifted })),
    perModelWarm: perModel,
    totalWarmMedianMs: totalMedian,
    breakdownMsPerModel: breakdown,
    recordInferenceWindowMs: sketchFromRaw,
    sketchBuildMsAtSetup: datasets.map((d) => d.sketchMs),
  },
  evidently: peer && { versions: peer.versions, rows: peer.rows, stattests: peer.stattests, reports: peer.reports.map(({ values: _, ...r }) => r) },
  agreement: { sameCounts, quantileEdgesMaxAbsDiff: peer?.quantileEdgesMaxAbsDiff ?? null, ksBound, rows: agreements },
});
console.log(`\n[bench] results: ${file}`);
