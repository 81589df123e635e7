// Datasets come only from the dataset roots: what an attacker with a submitter token tried (absolute
// paths, climbing out, file:// URIs, symbolic links) is refused naming the rule, never quoting where it
// led or what is there; the worker checks again before it reads a byte.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetActivities } from '../../activities/dataset-activities';
import type { ActivityDeps } from '../../activities/activity-deps';
import { DatasetRoots, parseDatasetRoots } from '../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import { WindsockError } from '../../core/windsock-error';
import exampleSpec from '../../examples/breast-cancer/dataset-spec.json';
import { datasetSpecSchema } from '../../core/data/dataset-spec';

const project = mkdtempSync(path.join(os.tmpdir(), 'windsock-roots-'));
const root = path.join(project, 'data');
const outside = path.join(project, 'private');
mkdirSync(path.join(root, 'fresh'), { recursive: true });
mkdirSync(outside);
writeFileSync(path.join(root, 'ok.csv'), 'a,b\n1,2\n');
writeFileSync(path.join(outside, 'secret.csv'), 'password,hunter2\n');
symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'link.csv'));
const roots = new DatasetRoots([root], project);
afterAll(() => rmSync(project, { recursive: true, force: true }));

async function refusal(reference: string, options?: Parameters<DatasetRoots['resolve']>[1]): Promise<WindsockError> {
  const err = await roots.resolve(reference, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WindsockError);
  return err as WindsockError;
}

describe('dataset roots', () => {
  it('resolves a path relative to the project, and a file:// URI, under a root', async () => {
    const href = pathToFileURL(path.join(root, 'ok.csv')).href;
    expect(await roots.resolve('data/ok.csv')).toBe(href);
    expect(await roots.resolve(href)).toBe(href);
    expect(await roots.resolve('data/fresh', { kind: 'file_or_directory' })).toBe(pathToFileURL(path.join(root, 'fresh')).href);
  });

  it.each([
    ['an absolute path', '/etc/passwd'],
    ['a path that climbs out', '../../../../etc/passwd'],
    ['a path that climbs out of a root', 'data/../private/secret.csv'],
    ['a file:// URI', 'file:///etc/shadow'],
  ])('refuses %s with the rule, naming the roots and not where it led', async (_, reference) => {
    const err = await refusal(reference);
    expect(err.status).toBe(400);
    expect(err.message).toBe(`dataset '${reference}' is outside the dataset roots: data/ (WINDSOCK_DATASET_ROOTS)`);
  });

  it('refuses a symbolic link under a root that leads outside, without its target', async () => {
    const err = await refusal('data/link.csv');
    expect(err.message).toMatch(/^dataset 'data\/link.csv' leads outside the dataset roots/);
    expect(err.message).not.toContain(outside);
  });

  it('says a missing file under a root is not found, without the path it looked at', async () => {
    const err = await refusal('data/missing.csv');
    expect(err.message).toBe("dataset 'data/missing.csv' was not found under the dataset roots");
  });

  it('refuses other URI schemes, directories where a file is needed, and bad file:// URIs', async () => {
    expect((await refusal('https://example.com/data.csv')).message).toMatch(/reads datasets from its dataset roots only/);
    expect((await refusal('data/fresh')).message).toMatch(/is not a file$/);
    expect((await refusal('file://host/x.csv')).message).toMatch(/not a valid file:\/\/ URI/);
  });

  it('reads WINDSOCK_DATASET_ROOTS as comma-separated directories, relative ones to the project', () => {
    expect(parseDatasetRoots(' data , /srv/datasets,,', project)).toEqual([root, '/srv/datasets']);
  });
});

describe('the worker reading a dataset', () => {
  it('refuses a dataset URI outside the roots before reading it: nothing is stored, nothing of it quoted', async () => {
    const blobsDir = path.join(project, 'blobs');
    const deps = { blobs: new LocalBlobStore(blobsDir), datasetRoots: roots } as unknown as ActivityDeps;
    const validate = datasetActivities(deps).validateDataset({
      pipelineId: 'p-1',
      datasetUri: pathToFileURL(path.join(outside, 'secret.csv')).href,
      spec: datasetSpecSchema.parse(exampleSpec),
      holdout: { fraction: 0.2, seed: 1 },
    });
    const err = await validate.then(() => undefined, (e: unknown) => e as WindsockError);
    expect(err).toMatchObject({ code: 'dataset_invalid' });
    expect(err!.message).toMatch(/is outside the dataset roots/);
    expect(err!.message).not.toMatch(/hunter2|password/);
    expect(readdirSync(project)).not.toContain('blobs');
  });
});
