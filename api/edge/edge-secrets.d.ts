// Secrets are not in wrangler.toml, so `wrangler types` does not see them: `wrangler secret put
// WINDSOCK_TOKENS` in production, `.dev.vars` locally.
interface Env {
  /** Principals for the admin routes: name:role[+role]:token,... (the control API's format). */
  WINDSOCK_TOKENS?: string;
  /** `off` stops recording serving statistics (for benchmarks); on by default. */
  WINDSOCK_RECORDING?: string;
}
declare namespace Cloudflare {
  interface Env {
    WINDSOCK_TOKENS?: string;
  }
}
