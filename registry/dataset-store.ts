// Datasets uploaded through the control API, in the registry: each version is immutable bytes in the
// artifact store, numbered per dataset and found again by its sha256, so the same bytes uploaded twice
// are one version. Pins and locates `dataset://name[/version]` for pipelines (the DatasetCatalog port).
import { and, asc, desc, eq, max, sql } from 'drizzle-orm';
import type { DatasetCatalog } from '../artifacts/dataset-catalog';
import { formatDatasetReference, parseDatasetReference, type DatasetReference } from '../core/data/dataset-reference';
import { WindsockError } from '../core/windsock-error';
import { datasets, datasetVersions } from '../drizzle/schema';
import type { RegistryStore } from './registry-store';

export type Dataset = typeof datasets.$inferSelect;
export type DatasetVersion = Omit<typeof datasetVersions.$inferSelect, 'id'>;

export interface NewDatasetVersion {
  name: string;
  /** Sets the dataset's description (on its first version, or replacing the one it has). */
  description?: string;
  sha256: string;
  sizeBytes: number;
  rows: number;
  columns: string[];
  artifactUri: string;
  by: string;
}

const versionColumns = {
  datasetName: datasetVersions.datasetName,
  version: datasetVersions.version,
  sha256: datasetVersions.sha256,
  sizeBytes: datasetVersions.sizeBytes,
  rows: datasetVersions.rows,
  columns: datasetVersions.columns,
  artifactUri: datasetVersions.artifactUri,
  createdBy: datasetVersions.createdBy,
  createdAt: datasetVersions.createdAt,
};

export class DatasetStore implements DatasetCatalog {
  constructor(readonly registry: RegistryStore) {}

  get #db() {
    return this.registry.db;
  }

  /**
   * The next version of a dataset (created with it when new), or the version that already holds these
   * bytes (`created: false`). The version number is taken in the insert itself, one statement under
   * SQLite's write lock, so concurrent uploads, from this process or another, get distinct
   * consecutive numbers; no transaction stays open across awaits (see registry/audit-chain-writer.ts
   * on why that would stall this client). The dataset and its version go in one batch (one transaction).
   */
  async createVersion(input: NewDatasetVersion): Promise<{ version: DatasetVersion; created: boolean }> {
    const now = new Date();
    const insertDataset = this.#db
      .insert(datasets)
      .values({ name: input.name, description: input.description ?? '', createdBy: input.by, createdAt: now })
      .onConflictDoNothing();
    const insertVersion = this.#db.run(sql`
      INSERT INTO dataset_versions (dataset_name, version, sha256, size_bytes, rows, columns, artifact_uri, created_by, created_at)
      SELECT ${input.name}, coalesce(max(version), 0) + 1, ${input.sha256}, ${input.sizeBytes}, ${input.rows}, ${JSON.stringify(input.columns)},
             ${input.artifactUri}, ${input.by}, ${now.getTime()}
      FROM dataset_versions WHERE dataset_name = ${input.name}
      ON CONFLICT (dataset_name, sha256) DO NOTHING`);
    const [, inserted] =
      input.description === undefined
        ? await this.#db.batch([insertDataset, insertVersion])
        : await this.#db.batch([insertDataset, insertVersion, this.#db.update(datasets).set({ description: input.description }).where(eq(datasets.name, input.name))]);
    const version = await this.findBySha256(input.name, input.sha256);
    if (!version) throw new WindsockError('internal', `dataset '${input.name}': the version of ${input.sha256} was neither stored nor found`);
    const created = inserted.rowsAffected === 1;
    if (!created) return { version, created };
    try {
      await this.registry.appendAudit({
        dedupeKey: `dataset:${input.name}:${input.sha256}:version_created`,
        actor: input.by,
        event: 'dataset.version_created',
        details: { dataset: input.name, version: version.version, sha256: version.sha256, sizeBytes: version.sizeBytes, rows: version.rows, columns: version.columns.length },
      });
    } catch (err) {
      // No version without its audit event: nobody has used this one yet, so it goes.
      await this.#db.delete(datasetVersions).where(and(eq(datasetVersions.datasetName, input.name), eq(datasetVersions.sha256, input.sha256)));
      throw err;
    }
    return { version, created };
  }

  async setDescription(name: string, description: string): Promise<void> {
    await this.#db.update(datasets).set({ description }).where(eq(datasets.name, name));
  }

  async findBySha256(name: string, sha256: string): Promise<DatasetVersion | undefined> {
    const [row] = await this.#db
      .select(versionColumns)
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetName, name), eq(datasetVersions.sha256, sha256)));
    return row;
  }

  /** Every dataset by name, each with its newest version (null while it has none). */
  async list(): Promise<Array<Dataset & { versions: number; latest: DatasetVersion | null }>> {
    const rows = await this.#db.select().from(datasets).orderBy(asc(datasets.name));
    const newest = this.#db
      .select({ name: datasetVersions.datasetName, version: max(datasetVersions.version).as('newest'), count: sql<number>`count(*)`.as('count') })
      .from(datasetVersions)
      .groupBy(datasetVersions.datasetName)
      .as('newest');
    const latest = await this.#db
      .select({ ...versionColumns, count: newest.count })
      .from(datasetVersions)
      .innerJoin(newest, and(eq(datasetVersions.datasetName, newest.name), eq(datasetVersions.version, newest.version)));
    const byName = new Map(latest.map(({ count, ...version }) => [version.datasetName, { count, version }]));
    return rows.map((d) => ({ ...d, versions: byName.get(d.name)?.count ?? 0, latest: byName.get(d.name)?.version ?? null }));
  }

  async get(name: string): Promise<Dataset | undefined> {
    const [row] = await this.#db.select().from(datasets).where(eq(datasets.name, name));
    return row;
  }

  async require(name: string): Promise<Dataset> {
    const dataset = await this.get(name);
    if (!dataset) throw new WindsockError('not_found', `no dataset named '${name}'; upload one with PUT /v1/datasets/${name}`);
    return dataset;
  }

  /** A dataset's versions, newest first. */
  async listVersions(name: string): Promise<DatasetVersion[]> {
    return this.#db.select(versionColumns).from(datasetVersions).where(eq(datasetVersions.datasetName, name)).orderBy(desc(datasetVersions.version));
  }

  async getVersion(name: string, version: number): Promise<DatasetVersion | undefined> {
    const [row] = await this.#db
      .select(versionColumns)
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetName, name), eq(datasetVersions.version, version)));
    return row;
  }

  async requireVersion(name: string, version: number): Promise<DatasetVersion> {
    const found = await this.getVersion(name, version);
    if (found) return found;
    await this.require(name);
    const latest = await this.#latestVersion(name);
    throw new WindsockError('not_found', `dataset '${name}' has no version ${version}; ${latest === undefined ? 'it has no versions yet' : `its versions are 1 to ${latest}`}`);
  }

  async pin(reference: string): Promise<string> {
    const { name, version } = parseReference(reference);
    if (version !== undefined) return formatDatasetReference(name, (await this.requireVersion(name, version)).version);
    await this.require(name);
    const latest = await this.#latestVersion(name);
    if (latest === undefined) throw new WindsockError('not_found', `dataset '${name}' has no versions yet`);
    return formatDatasetReference(name, latest);
  }

  async locate(reference: string): Promise<{ uri: string; sha256: string; columns: readonly string[] }> {
    const { name, version } = parseReference(reference);
    if (version === undefined) throw new WindsockError('bad_request', `'${reference}' names no version: pin it to one first (dataset://${name}/<version>)`);
    const found = await this.requireVersion(name, version);
    return { uri: found.artifactUri, sha256: found.sha256, columns: found.columns };
  }

  async #latestVersion(name: string): Promise<number | undefined> {
    const [row] = await this.#db.select({ latest: max(datasetVersions.version) }).from(datasetVersions).where(eq(datasetVersions.datasetName, name));
    return row?.latest ?? undefined;
  }
}

function parseReference(reference: string): DatasetReference {
  const parsed = parseDatasetReference(reference);
  if (!parsed) throw new WindsockError('bad_request', `'${reference.slice(0, 200)}' is not a dataset reference: dataset://<name> or dataset://<name>/<version>`);
  return parsed;
}
