/**
 * Fixed-window attempt counters keyed by account (username or email), in memory. Per-IP limits
 * come from @fastify/rate-limit; this adds the per-account side, so spreading guesses over many
 * addresses does not help. Counters live in one process: with several replicas each keeps its own.
 */

/** Counts attempts per key: at most `max` per `windowMs`. */
export class Throttle {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Counts one attempt; returns 0 when allowed, else the seconds until the window ends. */
  hit(key: string, now = Date.now()): number {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.evict(now);
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.max ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0;
  }

  /** Drops expired windows; if none expired, the oldest ones (insertion order). */
  private evict(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}
