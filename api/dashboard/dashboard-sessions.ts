// The dashboard's sign-in sessions, held in the control API's memory: the browser keeps only an opaque
// random id in an HttpOnly cookie, never the token it signed in with. A session ends after a spell of
// idleness, at an absolute lifetime, at sign-out, or when the process restarts (sign in again).
import type { AuthenticatedPrincipal } from '../http/api-env';

export interface DashboardSession {
  id: string;
  principal: AuthenticatedPrincipal;
  /** The per-session token every form carries back (CSRF). */
  csrf: string;
  /** Set when signed in with an issued API token: its SHA-256, so a revoked token ends the session. */
  apiTokenSha256?: string;
  createdAt: number;
  lastSeenAt: number;
  /** What the last control sent from a page did, shown on that pipeline's pages for a few seconds (they reload themselves). */
  flash?: Flash;
}

export interface Flash {
  pipelineId: string;
  kind: 'ok' | 'info';
  text: string;
  /** Shown until then (epoch ms). */
  until: number;
}

export interface SessionLimits {
  /** A session unused this long ends (default 30 minutes). */
  idleMs: number;
  /** A session ends this long after sign-in however busy (default 12 hours). */
  absoluteMs: number;
  /** Sessions held at once; the least recently used goes first beyond it (default 10,000). */
  maxSessions: number;
}

export const defaultSessionLimits: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, maxSessions: 10_000 };

const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

export class SessionStore {
  // A Map keeps insertion order: re-inserting on use makes its first entry the least recently used.
  readonly #sessions = new Map<string, DashboardSession>();

  constructor(
    readonly limits: SessionLimits = defaultSessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  create(principal: AuthenticatedPrincipal, apiTokenSha256?: string): DashboardSession {
    while (this.#sessions.size >= this.limits.maxSessions) this.#sessions.delete(this.#sessions.keys().next().value!);
    const at = this.now();
    const session: DashboardSession = {
      id: randomToken(),
      principal: { name: principal.name, roles: [...principal.roles] },
      csrf: randomToken(),
      ...(apiTokenSha256 ? { apiTokenSha256 } : {}),
      createdAt: at,
      lastSeenAt: at,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, marked as used now; undefined (and forgotten) once expired. */
  use(id: string): DashboardSession | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    this.#sessions.delete(id);
    if (at - session.lastSeenAt > this.limits.idleMs || at - session.createdAt > this.limits.absoluteMs) return undefined;
    session.lastSeenAt = at;
    this.#sessions.set(id, session);
    return session;
  }

  end(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }
}
