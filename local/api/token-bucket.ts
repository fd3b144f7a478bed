/**
 * API Gateway's throttle: a token bucket per stage (and per method when a method has its own
 * setting) that holds `burstLimit` tokens and refills at `rateLimit` per second.
 */
import type { Throttle } from './api-definition';

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly throttle: Throttle,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = throttle.burstLimit;
    this.updatedAt = now();
  }

  /** Takes one token; false when the bucket is empty (the request gets 429). */
  tryTake(): boolean {
    const now = this.now();
    const refill = ((now - this.updatedAt) / 1000) * this.throttle.rateLimit;
    this.tokens = Math.min(this.throttle.burstLimit, this.tokens + refill);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
