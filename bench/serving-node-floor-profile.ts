// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per area
// (Windsock's code, hono, @hono/node-server, zod, onnxruntime, Node internals, GC), and inclusive
// time of Windsock's own functions. Used by `serving-node-floor.ts --profile`; alone:
// `tsx bench/serving-node-floor-profile.ts FILE.cpuprofile [--top 25]`.
// Under tsx the profile's positions are those of esbuild's output; they are mapped back to the
// TypeScript through the source map tsx inlines, by importing the module here (library modules
// only: not entry points, which start servers). Where that fails, a named function is placed at
// its definition (the first line that defines the name), an anonymous one at the generated line
// (marked `~`).
import { readFileSync } from 'node:fs';
import { findSourceMap, type SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './bench-report';
import { intArg } from './bench-args';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  fn: string;
  /** `file:line` relative to the project, or the package / Node module it comes from. */
  where: string;
  area: string;
  selfMs: number;
  selfPct: number;
  /** Self time per request served in the window, µs (when the request count is given). */
  selfUsPerRequest?: number;
}

export interface ProfileWindow {
  /** The monotonic clock in µs (process.hrtime.bigint() / 1000n), the clock V8's profile uses. */
  fromUs?: number;
  toUs?: number;
  /** Requests served in the window, for per-request figures. */
  requests?: number;
}

export interface ProfileSummary {
  /** Sampled wall time in the window, ms; idle included. */
  totalMs: number;
  /** Time not idle, ms: the base of the percentages. */
  busyMs: number;
  requests?: number;
  areas: { area: string; selfMs: number; pct: number; usPerRequest?: number }[];
  top: FunctionTime[];
  /** Inclusive time of functions in the project's own files (Windsock's, and the floor's under bench/). */
  windsockInclusive: { fn: string; where: string; totalMs: number; pct: number; usPerRequest?: number }[];
}

function areaOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return 'V8 (program)';
    return 'native / V8 builtins';
  }
  if (url.startsWith('node:')) return 'Node internals';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1]!;
  if (file.startsWith(root)) return file.slice(root.length).startsWith('bench/') ? 'bench' : 'windsock';
  return 'other';
}

const sourceCache = new Map<string, string[] | undefined>();

/** Source maps of Windsock's own modules in the profile, as tsx transforms them. */
async function ownSourceMaps(profile: CpuProfile, root: string): Promise<Map<string, SourceMap>> {
  process.setSourceMapsEnabled(true);
  const maps = new Map<string, SourceMap>();
  const urls = new Set(profile.nodes.map((n) => n.callFrame.url).filter((url) => areaOf({ url } as CallFrame, root) === 'windsock'));
  for (const url of urls) {
    if (url.endsWith('/main.ts')) continue;
    try {
      await import(url);
      const map = findSourceMap(url);
      if (map) maps.set(url, map);
    } catch {
      // left to the name search
    }
  }
  return maps;
}

/** `file:line` of a function in the source, 1-based, or the generated line marked `~`. */
function locate(frame: CallFrame, root: string, maps: Map<string, SourceMap>): string {
  const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const rel = file.startsWith(root) ? file.slice(root.length) : file.replace(/.*node_modules\//, '');
  if (!file.startsWith(root) || file.includes('node_modules')) return `${rel}:${frame.lineNumber + 1}`;
  const entry = maps.get(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalLine' in entry) return `${rel}:${entry.originalLine + 1}`;
  if (!sourceCache.has(file)) {
    try {
      sourceCache.set(file, readFileSync(file, 'utf8').split('\n'));
    } catch {
      sourceCache.set(file, undefined);
    }
  }
  const lines = sourceCache.get(file);
  const name = frame.functionName.split('.').pop()!;
  if (lines && name && name !== '(anonymous)') {
    const escaped = name.replace(/[$]/g, '\\$&');
    const def = new RegExp(`(function\\*?\\s+${escaped}\\b|\\b${escaped}\\s*[:=]\\s*(async\\s*)?(\\(|function|[\\w$]+\\s*=>)|^\\s*(public |private |protected |static |async |get |set )*${escaped}\\s*(<[^>]*>)?\\()`);
    const at = lines.findIndex((l) => def.test(l));
    if (at >= 0) return `${rel}:${at + 1}`;
  }
  return `${rel}:~${frame.lineNumber + 1}`;
}

export async function summarizeProfile(profile: CpuProfile, projectRoot: string, window: ProfileWindow = {}): Promise<ProfileSummary> {
  const root = projectRoot.endsWith('/') ? projectRoot : `${projectRoot}/`;
  const maps = await ownSourceMaps(profile, root);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const from = window.fromUs ?? -Infinity;
  const to = window.toUs ?? Infinity;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the gap before sample i; it is charged to the sample (µs).
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + delta);
  }
  const totalUs = [...self.values()].reduce((s, v) => s + v, 0);
  let idleUs = 0;
  const areaUs = new Map<string, number>();
  const fnUs = new Map<string, { frame: CallFrame; area: string; us: number }>();
  const key = (f: CallFrame) => `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (!us) continue;
    const area = areaOf(node.callFrame, root);
    if (area === 'idle') {
      idleUs += us;
      continue;
    }
    areaUs.set(area, (areaUs.get(area) ?? 0) + us);
    const k = key(node.callFrame);
    const entry = fnUs.get(k) ?? { frame: node.callFrame, area, us: 0 };
    entry.us += us;
    fnUs.set(k, entry);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => (us / busyUs) * 100;
  const requests = window.requests;
  const perRequest = (us: number) => (requests ? { usPerRequest: us / requests } : {});

  // Inclusive time per own function: each node's subtree, counted once per stack (recursion).
  const subtree = new Map<number, number>();
  const sumSubtree = (id: number): number => {
    const node = byId.get(id)!;
    let us = self.get(id) ?? 0;
    for (const child of node.children ?? []) us += sumSubtree(child);
    subtree.set(id, us);
    return us;
  };
  const rootNode = profile.nodes[0]!;
  sumSubtree(rootNode.id);
  const inclusive = new Map<string, { frame: CallFrame; us: number }>();
  const walk = (id: number, onStack: Set<string>) => {
    const node = byId.get(id)!;
    const k = key(node.callFrame);
    const area = areaOf(node.callFrame, root);
    const ours = area === 'windsock' || area === 'bench';
    const add = ours && !onStack.has(k);
    if (add) {
      const entry = inclusive.get(k) ?? { frame: node.callFrame, us: 0 };
      entry.us += subtree.get(id) ?? 0;
      inclusive.set(k, entry);
      onStack.add(k);
    }
    for (const child of node.children ?? []) walk(child, onStack);
    if (add) onStack.delete(k);
  };
  walk(rootNode.id, new Set());

  const name = (f: CallFrame) => f.functionName || '(anonymous)';
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    ...(requests && { requests }),
    areas: [...areaUs].map(([area, us]) => ({ area, selfMs: us / 1000, pct: pct(us), ...perRequest(us) })).sort((a, b) => b.selfMs - a.selfMs),
    top: [...fnUs.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 400)
      .map((e) => ({ fn: name(e.frame), where: e.frame.url ? locate(e.frame, root, maps) : '', area: e.area, selfMs: e.us / 1000, selfPct: pct(e.us), ...(requests && { selfUsPerRequest: e.us / requests }) })),
    windsockInclusive: [...inclusive.values()]
      .filter((e) => e.us > 0)
      .sort((a, b) => b.us - a.us)
      .slice(0, 40)
      .map((e) => ({ fn: name(e.frame), where: locate(e.frame, root, maps), totalMs: e.us / 1000, pct: pct(e.us), ...perRequest(e.us) })),
  };
}

const us = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));

export function printProfileSummary(summary: ProfileSummary, top: number): void {
  console.log(`sampled ${summary.totalMs.toFixed(0)} ms, busy ${summary.busyMs.toFixed(0)} ms (percentages are of busy time)${summary.requests ? `, ${summary.requests} requests` : ''}`);
  printTable(['area', 'self ms', '%', 'µs/req'], summary.areas.slice(0, 14).map((a) => [a.area, a.selfMs.toFixed(0), a.pct.toFixed(1), us(a.usPerRequest)]));
  console.log('');
  printTable(['function (self)', 'where', 'area', 'self ms', '%', 'µs/req'], summary.top.slice(0, top).map((f) => [f.fn, f.where, f.area, f.selfMs.toFixed(0), f.selfPct.toFixed(1), us(f.selfUsPerRequest)]));
  if (summary.windsockInclusive.length === 0) return;
  console.log('');
  printTable(['own function (inclusive)', 'where', 'total ms', '%', 'µs/req'], summary.windsockInclusive.slice(0, top).map((f) => [f.fn, f.where, f.totalMs.toFixed(0), f.pct.toFixed(1), us(f.usPerRequest)]));
}

/**
 * Self µs per request by function against the first summary (the floor): the functions whose time
 * per request grew most. Functions with a few samples move by chance; read differences under ~1 µs
 * as noise.
 */
export function printFunctionComparison(labels: string[], summaries: ProfileSummary[], top: number): void {
  const key = (f: FunctionTime) => `${f.fn} ${f.where}`;
  const perRequest = summaries.map((s) => new Map(s.top.map((f) => [key(f), f] as const)));
  const rows = [...new Set(summaries.flatMap((s) => s.top.map(key)))]
    .map((k) => {
      const values = perRequest.map((m) => m.get(k)?.selfUsPerRequest ?? 0);
      const any = perRequest.find((m) => m.has(k))!.get(k)!;
      return { f: any, values, growth: Math.max(...values.slice(1)) - values[0]! };
    })
    .filter((r) => r.f.area !== 'idle')
    .sort((a, b) => b.growth - a.growth)
    .slice(0, top);
  printTable(
    ['function (self µs/req)', 'where', ...labels, `+ over ${labels[0]}`],
    rows.map((r) => [r.f.fn, r.f.where, ...r.values.map((v) => v.toFixed(1)), r.growth.toFixed(1)]),
  );
}

/** Self µs per request by area, side by side: where one server's extra time per request goes. */
export function printAreaComparison(labels: string[], summaries: ProfileSummary[]): void {
  const areas = [...new Set(summaries.flatMap((s) => s.areas.map((a) => a.area)))];
  const perRequest = (s: ProfileSummary, area: string) => s.areas.find((a) => a.area === area)?.usPerRequest ?? 0;
  const total = (s: ProfileSummary) => s.areas.reduce((sum, a) => sum + (a.usPerRequest ?? 0), 0);
  const rows = areas
    .map((area) => [area, ...summaries.map((s) => perRequest(s, area))] as const)
    .sort((a, b) => Math.max(...(b.slice(1) as number[])) - Math.max(...(a.slice(1) as number[])));
  printTable(
    ['self µs/req by area', ...labels],
    [...rows.map(([area, ...values]) => [area, ...values.map((v) => v.toFixed(1))]), ['all (busy)', ...summaries.map((s) => total(s).toFixed(1))]],
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = process.argv[2];
  if (!file || !file.endsWith('.cpuprofile')) {
    console.error('usage: tsx bench/serving-node-floor-profile.ts FILE.cpuprofile [--top 25]');
    process.exit(2);
  }
  const projectRoot = fileURLToPath(new URL('..', import.meta.url));
  printProfileSummary(await summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), projectRoot), intArg('top', 25));
}
