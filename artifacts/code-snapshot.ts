// A training job's code, kept so that a version can be trained again after the repository moved on: the
// files of the job's directory (and the shared job library, jobs/windsock_job, for jobs under jobs/)
// as content-addressed blobs plus a manifest whose sha256 is the code version. Materialising a
// manifest writes the same tree again, every file checked against its digest.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson } from '../core/canonical-json';
import type { CodeSnapshotRecord } from '../core/governance/reproduction-record';
import { WindsockError } from '../core/windsock-error';
import type { BlobStore } from './blob-store';

export const CODE_MANIFEST_FORMAT = 1;
/** Bounds of what is snapshotted: a job directory is code, not data. */
export const MAX_SNAPSHOT_FILES = 500;
export const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;
/** The shared job library a job under jobs/ imports (sys.path of jobs/). */
const SHARED_JOB_LIBRARY = 'jobs/windsock_job';
/** Script arguments, as the local provider and the runner recognise them. */
const SCRIPT = /\.(py|sh|js|mjs)$/;
/** Never code: byte caches, VCS and editor files. */
const SKIPPED = /^(__pycache__|\.git|\.mypy_cache|\.pytest_cache|node_modules)$|\.pyc$|^\./;

export interface CodeManifest {
  format: number;
  /** Sorted by path; paths are relative to the code root and use `/`. */
  files: Array<{ path: string; sha256: string; size: number; executable: boolean }>;
}

export type CapturedCode = { ok: true; snapshot: CodeSnapshotRecord } | { ok: false; reason: string };

/** The directories (relative to `root`) a job command's code lives in, or why there are none to take. */
export function codeDirectories(command: readonly string[], root: string): { dirs: string[] } | { reason: string } {
  const scripts = command.slice(command[0] === 'python' ? 1 : 0).filter((arg) => SCRIPT.test(arg));
  if (scripts.length === 0) return { reason: `the job command names no script file (${JSON.stringify(command).slice(0, 200)})` };
  const dirs = new Set<string>();
  for (const script of scripts) {
    const relative = path.relative(root, path.resolve(root, script));
    if (relative.startsWith('..') || path.isAbsolute(relative)) return { reason: `the job script ${script} lies outside the job code root` };
    const dir = path.dirname(relative).split(path.sep).join('/');
    if (dir === '.') return { reason: `the job script ${script} lies at the root of the checkout; put it in a directory of its own` };
    dirs.add(dir);
    if (dir.startsWith('jobs/') && existsSync(path.join(root, SHARED_JOB_LIBRARY))) dirs.add(SHARED_JOB_LIBRARY);
  }
  return { dirs: [...dirs].sort() };
}

async function listFiles(root: string, dir: string, into: Map<string, string>): Promise<void> {
  for (const entry of (await readdir(path.join(root, dir), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIPPED.test(entry.name)) continue;
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) await listFiles(root, relative, into);
    else if (entry.isFile()) into.set(relative, path.join(root, relative));
    if (into.size > MAX_SNAPSHOT_FILES) return;
  }
}

/** The manifest's key and a file blob's key: content-addressed, so a snapshot taken again writes nothing new. */
const manifestKey = (digest: string) => `code/manifests/${digest}.json`;
const fileKey = (sha256: string) => `code/blobs/${sha256}`;

/** A file blob's URI beside its manifest's (the store maps keys to URIs by suffix, file:// and s3:// alike). */
export function fileBlobUri(manifestUri: string, sha256: string): string {
  const suffix = /code\/manifests\/[0-9a-f]{64}\.json$/;
  if (!suffix.test(manifestUri)) throw new WindsockError('conflict', `'${manifestUri}' is not a code snapshot manifest`);
  return manifestUri.replace(suffix, fileKey(sha256));
}

/** Snapshots the code a job command runs (scripts relative to `root`) into the blob store. */
export async function captureJobCode(blobs: BlobStore, command: readonly string[], root: string): Promise<CapturedCode> {
  const found = codeDirectories(command, root);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const paths = new Map<string, string>();
  for (const dir of found.dirs) {
    try {
      await listFiles(root, dir, paths);
    } catch (err) {
      return { ok: false, reason: `cannot read the job code directory ${dir}: ${(err as Error).message}` };
    }
  }
  if (paths.size === 0) return { ok: false, reason: `the job code directories ${found.dirs.join(', ')} hold no files` };
  if (paths.size > MAX_SNAPSHOT_FILES) return { ok: false, reason: `the job code directories ${found.dirs.join(', ')} hold more than ${MAX_SNAPSHOT_FILES} files` };
  const files: CodeManifest['files'] = [];
  let bytes = 0;
  for (const [relative, file] of [...paths].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const content = await readFile(file);
    bytes += content.byteLength;
    if (bytes > MAX_SNAPSHOT_BYTES) return { ok: false, reason: `the job code directories ${found.dirs.join(', ')} hold more than ${MAX_SNAPSHOT_BYTES} bytes` };
    const sha256 = createHash('sha256').update(content).digest('hex');
    const executable = ((await lstat(file)).mode & 0o111) !== 0;
    files.push({ path: relative, sha256, size: content.byteLength, executable });
  }
  const manifest: CodeManifest = { format: CODE_MANIFEST_FORMAT, files };
  const text = canonicalJson(manifest);
  const digest = createHash('sha256').update(text).digest('hex');
  for (const entry of files) await blobs.put(fileKey(entry.sha256), await readFile(paths.get(entry.path)!));
  const stored = await blobs.put(manifestKey(digest), text);
  return { ok: true, snapshot: { digest, manifestUri: stored.uri, files: files.length, bytes } };
}

/** Reads and checks a snapshot's manifest; a `conflict` naming what is missing or changed. */
export async function readCodeManifest(blobs: BlobStore, snapshot: Pick<CodeSnapshotRecord, 'digest' | 'manifestUri'>): Promise<CodeManifest> {
  const what = `the code snapshot sha256:${snapshot.digest}`;
  if (!(await blobs.exists(snapshot.manifestUri))) throw new WindsockError('conflict', `${what} is no longer available: its manifest ${snapshot.manifestUri} is gone from the artifact store`);
  const text = Buffer.from(await blobs.get(snapshot.manifestUri));
  if (createHash('sha256').update(text).digest('hex') !== snapshot.digest) {
    throw new WindsockError('conflict', `${what} is no longer available: its manifest ${snapshot.manifestUri} no longer matches the recorded digest`);
  }
  return JSON.parse(text.toString('utf8')) as CodeManifest;
}

/** Checks every file of a snapshot is still in the store with its digest; the problems, one per file. */
export async function missingCodeFiles(blobs: BlobStore, snapshot: Pick<CodeSnapshotRecord, 'digest' | 'manifestUri'>): Promise<string[]> {
  const manifest = await readCodeManifest(blobs, snapshot);
  const problems: string[] = [];
  for (const file of manifest.files) {
    const uri = fileBlobUri(snapshot.manifestUri, file.sha256);
    if (!(await blobs.exists(uri))) problems.push(`${file.path} (blob ${file.sha256.slice(0, 12)} is gone)`);
    else if (createHash('sha256').update(await blobs.get(uri)).digest('hex') !== file.sha256) problems.push(`${file.path} (blob ${file.sha256.slice(0, 12)} changed)`);
  }
  return problems;
}

/**
 * Writes a snapshot's files under `<parent>/<digest>/` (once: a complete tree is reused) and returns
 * that directory. Each file is checked against its digest before it is written.
 */
export async function materializeCode(blobs: BlobStore, snapshot: Pick<CodeSnapshotRecord, 'digest' | 'manifestUri'>, parent = path.join(os.tmpdir(), 'windsock-code')): Promise<string> {
  const target = path.join(parent, snapshot.digest);
  if (existsSync(path.join(target, '.windsock-complete'))) return target;
  const manifest = await readCodeManifest(blobs, snapshot);
  const staging = path.join(parent, `.staging-${randomUUID()}`);
  try {
    for (const file of manifest.files) {
      if (file.path.split('/').some((part) => part === '..' || part === '') || path.isAbsolute(file.path)) {
        throw new WindsockError('conflict', `the code snapshot sha256:${snapshot.digest} names a file outside its tree: ${file.path}`);
      }
      const uri = fileBlobUri(snapshot.manifestUri, file.sha256);
      if (!(await blobs.exists(uri))) throw new WindsockError('conflict', `the code snapshot sha256:${snapshot.digest} is no longer available: ${file.path} is gone from the artifact store`);
      const content = await blobs.get(uri);
      if (createHash('sha256').update(content).digest('hex') !== file.sha256) {
        throw new WindsockError('conflict', `the code snapshot sha256:${snapshot.digest} is no longer available: ${file.path} no longer matches its digest`);
      }
      const out = path.join(staging, ...file.path.split('/'));
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, content);
      if (file.executable) await chmod(out, 0o755);
    }
    await writeFile(path.join(staging, '.windsock-complete'), `${snapshot.digest}\n`);
    await mkdir(parent, { recursive: true });
    try {
      await rename(staging, target);
    } catch (err) {
      // Another reproduction of the same code won the race: its tree is the same.
      if (!existsSync(path.join(target, '.windsock-complete'))) throw err;
    }
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
