// windsock models: the registry's models, their versions and template revisions; register and revise.
import { Command } from 'commander';
import { contextOf } from './cli-context';
import type { ControlClient } from './control-client';
import { ok } from './control-client';
import { readJsonFile } from './json-file';
import { fields, metricsLine, table } from './output';
import { reproduceCommand, reproductionCommand } from './reproduce-command';
import { UsageError } from './usage-error';

type RegisterBody = Parameters<ControlClient['v1']['models']['$post']>[0]['json'];
type UpdateBody = Parameters<ControlClient['v1']['models'][':name']['$put']>[0]['json'];

/** A template file (the examples' pipeline.json, or a GET of a model) with its dataset spec from --spec if given. */
async function templateOf(file: string, specFile: string | undefined): Promise<Record<string, unknown>> {
  const template = await readJsonFile(file, 'template');
  if (specFile !== undefined) {
    const spec = await readJsonFile(specFile, 'dataset spec');
    // infer-spec's answer holds the spec under datasetSpec; a dataset-spec.json is the spec itself.
    template.datasetSpec = 'datasetSpec' in spec ? spec.datasetSpec : spec;
  }
  if (template.datasetSpec === undefined) throw new UsageError(`${file} has no datasetSpec: put one in it, or name a spec file with --spec`);
  return template;
}

export function modelsCommand(): Command {
  const models = new Command('models').description('registered models, their versions and template revisions; reproduce a version');

  models
    .command('list', { isDefault: true })
    .description('every model with its newest version and champion')
    .action(async (_opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models.$get());
      ctx.show(body, ({ models: rows }) =>
        table(rows, [
          ['name', (m) => m.name],
          ['revision', (m) => m.revision],
          ['latest', (m) => m.latestVersion],
          ['champion', (m) => m.champion],
          ['created', (m) => m.createdAt],
          ['description', (m) => m.description],
        ]),
      );
    });

  models
    .command('show <name> [version]')
    .description("a model (aliases, versions; the template under --json), or one version: metrics, artifact, lineage, approvals (the audit under --json)")
    .action(async (name: string, version: string | undefined, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      if (version !== undefined) {
        if (!/^[1-9]\d*$/.test(version)) throw new UsageError(`version: '${version}' is not a version number`);
        const v = await ok(ctx.client.v1.models[':name'].versions[':v'].$get({ param: { name, v: version } }));
        ctx.show(v, (b) =>
          [
            fields([
              ['model', b.modelName],
              ['version', b.version],
              ['status', b.status],
              ['metrics', metricsLine(b.metrics)],
              ['artifact', b.artifactUri],
              ['sha256', b.artifactSha256],
              ['pipeline', b.pipelineId],
              ['dataset', b.lineage.datasetUri],
              ['created', b.createdAt],
            ]),
            '',
            'approvals:',
            table(b.approvals, [
              ['principal', (a) => a.principal],
              ['decision', (a) => a.decision],
              ['comment', (a) => a.comment],
              ['at', (a) => a.decidedAt],
            ]),
          ].join('\n'),
        );
        return;
      }
      const model = await ok(ctx.client.v1.models[':name'].$get({ param: { name } }));
      ctx.show(model, (m) =>
        [
          fields([
            ['name', m.name],
            ['description', m.description],
            ['revision', m.revision],
            ['aliases', Object.entries(m.aliases).map(([alias, a]) => `${alias}=v${a.version}`).join(' ') || undefined],
            ['created', m.createdAt],
          ]),
          '',
          table(m.versions, [
            ['version', (v) => v.version],
            ['status', (v) => v.status],
            ['created', (v) => v.createdAt],
            ['metrics', (v) => metricsLine(v.metrics)],
          ]),
        ].join('\n'),
      );
    });

  models
    .command('register <file>')
    .description('register a model from a template file (JSON: name?, description?, datasetSpec, job?, params?, gate, ...)')
    .option('--name <name>', "the model's name (instead of the file's name field)")
    .option('--spec <file>', "its dataset spec: a dataset-spec.json, or infer-spec's --json answer")
    .action(async (file: string, opts: { name?: string; spec?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const template = await templateOf(file, opts.spec);
      if (opts.name !== undefined) template.name = opts.name;
      if (typeof template.name !== 'string') throw new UsageError(`${file} has no name: put one in it, or pass --name`);
      // The API checks the body against registerModelBody and answers a 400 naming each problem.
      const body = await ok(ctx.client.v1.models.$post({ json: template as RegisterBody }));
      ctx.show(body, (m) => `model ${m.name} revision ${m.revision}: ${m.outcome}`);
    });

  models
    .command('update <name> <file>')
    .description("make the model's next template revision from a template file")
    .option('--spec <file>', "its dataset spec: a dataset-spec.json, or infer-spec's --json answer")
    .action(async (name: string, file: string, opts: { spec?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const { name: _ignored, ...template } = await templateOf(file, opts.spec);
      const body = await ok(ctx.client.v1.models[':name'].$put({ param: { name }, json: template as UpdateBody }));
      ctx.show(body, (m) => `model ${m.name} revision ${m.revision}: ${m.outcome}`);
    });

  models
    .command('revisions <name>')
    .description("every template revision of the model, who made it and when")
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.models[':name'].revisions.$get({ param: { name } }));
      ctx.show(body, (b) =>
        [
          `model ${b.model}: current revision ${b.revision}`,
          table(b.revisions, [
            ['revision', (r) => r.revision],
            ['by', (r) => r.createdBy],
            ['at', (r) => r.createdAt],
            ['description', (r) => r.description],
          ]),
        ].join('\n'),
      );
    });

  models.addCommand(reproduceCommand());
  models.addCommand(reproductionCommand());

  return models;
}
