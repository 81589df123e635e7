// What the isolate knows about served models: deployments and weights (cached for a short TTL so a
// weight change reaches every isolate or replica within it) and one loaded session per version.
import { assertValidWeights } from '../../core/serving/traffic-routing';
import { WindsockError } from '../../core/windsock-error';
import type { Deployment, ServingStore } from './serving-store';
import type { ArtifactSource, InferenceBackend, LoadedSession } from './serving-ports';

export interface ServedModel {
  deployments: Map<number, Deployment>;
  weights: Record<string, number> | undefined;
  fetchedAt: number;
}

export class ModelCatalog {
  private readonly models = new Map<string, ServedModel>();
  private readonly sessions = new Map<string, Promise<LoadedSession>>();
  private readonly filling = new Map<string, Promise<ServedModel | undefined>>();
  private invalidations = 0;
  // Loaded sessions by the cached deployment object, so that serving one builds no key string and
  // awaits nothing; a refill of the model brings new objects, which find theirs by key once.
  private readonly loaded = new WeakMap<Deployment, LoadedSession>();

  constructor(
    private readonly store: ServingStore,
    private readonly artifacts: ArtifactSource,
    private readonly backend: InferenceBackend,
    private readonly ttlMs: number,
  ) {}

  /** The model as cached, while its TTL lasts; else undefined (then ask model()). */
  cached(name: string, now: number): ServedModel | undefined {
    const cached = this.models.get(name);
    return cached && now - cached.fetchedAt < this.ttlMs ? cached : undefined;
  }

  /**
   * The model, read from the store when the cache has expired. Requests that find it expired at the
   * same time share one read: at eight connections each expiry otherwise read and parsed every
   * deployment (reference profiles included) eight times at once.
   */
  model(name: string, now: number): Promise<ServedModel | undefined> {
    const cached = this.cached(name, now);
    if (cached) return Promise.resolve(cached);
    let filling = this.filling.get(name);
    if (!filling) {
      filling = this.fill(name, now);
      this.filling.set(name, filling);
      const done = () => {
        if (this.filling.get(name) === filling) this.filling.delete(name);
      };
      filling.then(done, done);
    }
    return filling;
  }

  private async fill(name: string, now: number): Promise<ServedModel | undefined> {
    const generation = this.invalidations;
    const [deployments, traffic] = await Promise.all([this.store.listDeployments(name), this.store.getTraffic(name)]);
    // What was read before an invalidation may predate the change: serve it to its callers, cache it not.
    const current = generation === this.invalidations;
    if (deployments.length === 0) {
      if (current) this.models.delete(name);
      return undefined;
    }
    // Checked once per fill, so that routing each request needs no validation.
    if (traffic) assertValidWeights(traffic.weights);
    const fresh: ServedModel = { deployments: new Map(deployments.map((d) => [d.version, d])), weights: traffic?.weights, fetchedAt: now };
    if (current) this.models.set(name, fresh);
    return fresh;
  }

  /** Forgets cached state for a model, e.g. after this isolate changed its weights. */
  invalidate(name: string): void {
    this.models.delete(name);
    // A read begun before the change must not be shared with requests after it, nor cached.
    this.filling.delete(name);
    this.invalidations++;
  }

  /** The deployment's session when this cached deployment has served before; else undefined (then ask session()). */
  loadedSession(deployment: Deployment): LoadedSession | undefined {
    return this.loaded.get(deployment);
  }

  session(deployment: Deployment): Promise<LoadedSession> {
    const key = `${deployment.modelName}@${deployment.version}:${deployment.artifactSha256}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = this.loadSession(deployment);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session.then((loaded) => {
      this.loaded.set(deployment, loaded);
      return loaded;
    });
  }

  private async loadSession(deployment: Deployment): Promise<LoadedSession> {
    const bytes = await this.artifacts.get(deployment.artifactKey);
    if (!bytes) throw new WindsockError('unavailable', `artifact ${deployment.artifactKey} of ${deployment.modelName} v${deployment.version} is missing`);
    return this.backend.load(bytes, deployment.signature);
  }
}
