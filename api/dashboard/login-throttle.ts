// Bounds sign-in guessing: each client address gets a few failed sign-ins per window, and all clients
// together a larger number, after which sign-in answers 429 until the window passes. Successful
// sign-ins are not counted. Tokens are long random strings; this keeps a guesser from even trying.
export interface LoginThrottleLimits {
  /** Failures one address may make per window (default 10). */
  perAddress: number;
  /** Failures all addresses together may make per window (default 200). */
  overall: number;
  /** The window, in ms (default 5 minutes). */
  windowMs: number;
}

export const defaultLoginThrottleLimits: LoginThrottleLimits = { perAddress: 10, overall: 200, windowMs: 5 * 60_000 };

/** Addresses remembered at once; beyond it the oldest window is dropped (memory stays bounded). */
const MAX_ADDRESSES = 10_000;

export class LoginThrottle {
  readonly #failures = new Map<string, { since: number; count: number }>();
  #overall = { since: 0, count: 0 };

  constructor(
    readonly limits: LoginThrottleLimits = defaultLoginThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again; 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const at = this.now();
    const windowEnd = (since: number) => Math.ceil((since + this.limits.windowMs - at) / 1000);
    const mine = this.#failures.get(address);
    if (mine && at - mine.since < this.limits.windowMs && mine.count >= this.limits.perAddress) return windowEnd(mine.since);
    if (at - this.#overall.since < this.limits.windowMs && this.#overall.count >= this.limits.overall) return windowEnd(this.#overall.since);
    return 0;
  }

  failed(address: string): void {
    const at = this.now();
    const mine = this.#failures.get(address);
    if (!mine || at - mine.since >= this.limits.windowMs) {
      this.#failures.delete(address);
      if (this.#failures.size >= MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value!);
      this.#failures.set(address, { since: at, count: 1 });
    } else {
      mine.count++;
    }
    if (at - this.#overall.since >= this.limits.windowMs) this.#overall = { since: at, count: 1 };
    else this.#overall.count++;
  }
}
