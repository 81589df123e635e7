// windsock datasets: versioned CSV datasets (upload streams the file), and a dataset spec proposed from
// a sample (a local CSV, or a stored version).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { contextOf } from './cli-context';
import { ok } from './control-client';
import { fields, note, printJson, table } from './output';
import { UsageError } from './usage-error';

/** A local file as a streamed request body (fetch sends it chunked, `duplex: 'half'`). */
async function fileBody(file: string): Promise<RequestInit> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file} is not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, duplex: 'half' } as RequestInit;
}

export function datasetsCommand(): Command {
  const datasets = new Command('datasets').description('versioned datasets (CSV) and dataset specs');

  datasets
    .command('list', { isDefault: true })
    .description('every dataset with its newest version')
    .action(async (_opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.datasets.$get());
      ctx.show(body, (b) =>
        table(b.datasets, [
          ['name', (d) => d.name],
          ['versions', (d) => d.versions],
          ['latest', (d) => d.latest?.uri],
          ['rows', (d) => d.latest?.rows],
          ['by', (d) => d.createdBy],
          ['created', (d) => d.createdAt],
          ['description', (d) => d.description],
        ]),
      );
    });

  datasets
    .command('show <name> [version]')
    .description("a dataset's versions, or one version with its first rows")
    .action(async (name: string, version: string | undefined, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      if (version !== undefined) {
        if (!/^[1-9]\d*$/.test(version)) throw new UsageError(`version: '${version}' is not a version number`);
        const v = await ok(ctx.client.v1.datasets[':name'].versions[':v'].$get({ param: { name, v: version } }));
        ctx.show(v, (b) =>
          [
            fields([
              ['dataset', b.uri],
              ['rows', b.rows],
              ['size', b.size],
              ['sha256', b.sha256],
              ['by', b.createdBy],
              ['created', b.createdAt],
            ]),
            '',
            b.columns.join(','),
            ...b.preview.rows.map((r) => r.map((value) => value ?? '').join(',')),
            ...(b.preview.truncated ? ['...'] : []),
          ].join('\n'),
        );
        return;
      }
      const body = await ok(ctx.client.v1.datasets[':name'].$get({ param: { name } }));
      ctx.show(body, (d) =>
        [
          fields([
            ['name', d.name],
            ['description', d.description],
          ]),
          '',
          table(d.versions, [
            ['version', (v) => v.version],
            ['rows', (v) => v.rows],
            ['size', (v) => v.size],
            ['sha256', (v) => v.sha256.slice(0, 12)],
            ['by', (v) => v.createdBy],
            ['created', (v) => v.createdAt],
          ]),
        ].join('\n'),
      );
    });

  datasets
    .command('upload <name> <file>')
    .description('upload a CSV file as the next version of the dataset (the same bytes again answer with their version)')
    .option('--description <text>', "the dataset's description")
    .action(async (name: string, file: string, opts: { description?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const res = ctx.client.v1.datasets[':name'].$put(
        { param: { name }, query: opts.description !== undefined ? { description: opts.description } : {} },
        { headers: { 'content-type': 'text/csv' }, init: await fileBody(file) },
      );
      const created = (await res).status === 201;
      const body = await ok(res);
      ctx.show(body, (v) => {
        const retrains = 'retrains' in v && v.retrains ? v.retrains.map((r) => `retrain of ${r.model}: ${r.requested ? 'requested' : `not requested (${r.error})`}`) : [];
        return [`${v.uri}: ${created ? 'uploaded' : 'unchanged (the same bytes)'}, ${v.rows} rows, ${v.columns.length} columns`, ...retrains].join('\n');
      });
    });

  datasets
    .command('infer-spec <source>')
    .description('propose a dataset spec from a local CSV file or a stored dataset (dataset://name[/version]); the spec goes to stdout')
    .requiredOption('--target <column>', 'the column the model predicts')
    .action(async (source: string, opts: { target: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const init: RequestInit = source.startsWith('dataset://') ? { body: JSON.stringify({ dataset: source }) } : await fileBody(source);
      const contentType = source.startsWith('dataset://') ? 'application/json' : 'text/csv';
      const body = await ok(ctx.client.v1.datasets['infer-spec'].$post({ query: { target: opts.target } }, { headers: { 'content-type': contentType }, init }));
      if (ctx.json) return printJson(body);
      for (const line of body.notes) note(`note: ${line}`);
      // The spec itself, ready for a template's datasetSpec (or `models register --spec`).
      printJson(body.datasetSpec);
    });

  return datasets;
}
