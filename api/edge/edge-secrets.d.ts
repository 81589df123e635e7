// Secrets are not in wrangler.toml, so `wrangler types` does not see them: `wrangler secret put
// WINDSOCK_TOKENS` in production, `.dev.vars` locally.
interface Env {
  /** Principals for the admin routes: name:role[+role]:token,... (the control API's format). */
  WINDSOCK_TOKENS?: string;
  /** `off` stops recording serving statistics (for benchmarks); on by default. */
  WINDSOCK_RECORDING?: string;
  /** Who may send ground-truth labels (POST /v2/models/:name/feedback): name:token,... (secret). */
  WINDSOCK_FEEDBACK_TOKENS?: string;
  /** `off` stops remembering predictions for ground truth (for benchmarks); on by default. */
  WINDSOCK_REMEMBER_PREDICTIONS?: string;
  /** Temporal Cloud API key for the HTTP API (secret). */
  TEMPORAL_API_KEY?: string;
  WINDSOCK_TASK_QUEUE?: string;
  /** Comma-separated URI prefixes under which pipeline datasets may live, e.g. file:///data/. */
  WINDSOCK_DATASET_PREFIXES?: string;
  /** The control plane's public key (base64 raw Ed25519): publishes and traffic changes must carry its signature. */
  WINDSOCK_CHANGE_PUBLIC_KEY?: string;
}
declare namespace Cloudflare {
  interface Env {
    WINDSOCK_TOKENS?: string;
  }
}
