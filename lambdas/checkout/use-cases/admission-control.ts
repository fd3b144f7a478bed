/**
 * admissionControl: decides, per checkout, whether the pipeline can take one more order, from a
 * backlog reading that is reused for about a second. Checkout runs at hundreds of requests per
 * second; reading the broker for each would put its load on the brokers the saga needs, while a
 * backlog sized for minutes of work changes little within a second.
 *
 * A checkout that finds the reading a little older than that still decides on it, and starts the
 * next reading beside its own work rather than before it: otherwise, at a shop's few orders a
 * second per execution environment, one checkout in four or five would wait a broker round trip.
 */
import {
  type AdmissionDecision,
  type AdmissionPolicy,
  type BacklogReading,
  decideAdmission,
} from '../domain/admission';
import type { CommandBacklogReader } from '../ports/command-backlog';

/** What placeOrder asks before it takes an order. */
export interface AdmissionGate {
  check(): Promise<AdmissionDecision>;
  /**
   * Resolves once no reading is under way. Lambda freezes the execution environment as soon as the
   * handler answers; a reading frozen midway would time out when the environment thaws, and be
   * counted as a broker that did not answer.
   */
  settled?(): Promise<void>;
}

/** How long one reading is reused before the broker is asked again. */
export const READING_MAX_AGE_MS = 1_000;

/**
 * Up to this age a reading still decides while the next one is read; past it (an environment that
 * was idle) the checkout waits for a new one. A few seconds of orders move a backlog sized for
 * minutes of saga work by little.
 */
export const READING_STALE_LIMIT_MS = 5_000;

export interface AdmissionControlOptions {
  readonly reader: CommandBacklogReader;
  readonly policy: AdmissionPolicy;
  /** @default READING_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** @default READING_STALE_LIMIT_MS */
  readonly staleLimitMs?: number;
  /** Milliseconds, monotonic enough for ages. @default Date.now */
  readonly now?: () => number;
  /** Told once per failed reading, so it can be counted and logged; the decision then admits. */
  readonly onReadFailed?: (error: unknown) => void;
}

export class AdmissionControl implements AdmissionGate {
  private readonly reader: CommandBacklogReader;
  private readonly policy: AdmissionPolicy;
  private readonly maxAgeMs: number;
  private readonly staleLimitMs: number;
  private readonly now: () => number;
  private readonly onReadFailed: (error: unknown) => void;
  private latest: { readonly at: number; readonly reading: BacklogReading } | undefined;
  private inFlight: Promise<BacklogReading> | undefined;

  public constructor(options: AdmissionControlOptions) {
    this.reader = options.reader;
    this.policy = options.policy;
    this.maxAgeMs = options.maxAgeMs ?? READING_MAX_AGE_MS;
    this.staleLimitMs = Math.max(this.maxAgeMs, options.staleLimitMs ?? READING_STALE_LIMIT_MS);
    this.now = options.now ?? Date.now;
    this.onReadFailed = options.onReadFailed ?? (() => undefined);
  }

  public async check(): Promise<AdmissionDecision> {
    return decideAdmission(await this.reading(), this.policy);
  }

  public async settled(): Promise<void> {
    await this.inFlight;
  }

  /**
   * The latest reading while it is young enough; while it is merely stale, the same reading with a
   * new one started; else a new one. Callers that arrive while a reading is under way share it. A
   * failed reading is kept as long as a good one, so a broker that does not answer costs one probe
   * timeout per interval, not one per checkout.
   */
  private reading(): Promise<BacklogReading> {
    const latest = this.latest;
    const age = latest === undefined ? Number.POSITIVE_INFINITY : this.now() - latest.at;
    if (latest !== undefined && age < this.maxAgeMs) return Promise.resolve(latest.reading);
    this.inFlight ??= this.readNow().finally(() => {
      this.inFlight = undefined;
    });
    if (latest !== undefined && age < this.staleLimitMs) return Promise.resolve(latest.reading);
    return this.inFlight;
  }

  private async readNow(): Promise<BacklogReading> {
    let reading: BacklogReading;
    try {
      reading = { known: true, backlogs: await this.reader.read() };
    } catch (error) {
      this.onReadFailed(error);
      reading = { known: false, error };
    }
    this.latest = { at: this.now(), reading };
    return reading;
  }
}
