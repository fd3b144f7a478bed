/**
 * admissionControl: decides, per checkout, whether the pipeline can take one more order, from a
 * backlog reading that is reused for about a second. Checkout runs at hundreds of requests per
 * second; reading the broker for each would put its load on the brokers the saga needs, while a
 * backlog sized for minutes of work changes little within a second.
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
}

/** How long one reading is reused before the broker is asked again. */
export const READING_MAX_AGE_MS = 1_000;

export interface AdmissionControlOptions {
  readonly reader: CommandBacklogReader;
  readonly policy: AdmissionPolicy;
  /** @default READING_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** Milliseconds, monotonic enough for ages. @default Date.now */
  readonly now?: () => number;
  /** Told once per failed reading, so it can be counted and logged; the decision then admits. */
  readonly onReadFailed?: (error: unknown) => void;
}

export class AdmissionControl implements AdmissionGate {
  private readonly reader: CommandBacklogReader;
  private readonly policy: AdmissionPolicy;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly onReadFailed: (error: unknown) => void;
  private latest: { readonly at: number; readonly reading: BacklogReading } | undefined;
  private inFlight: Promise<BacklogReading> | undefined;

  public constructor(options: AdmissionControlOptions) {
    this.reader = options.reader;
    this.policy = options.policy;
    this.maxAgeMs = options.maxAgeMs ?? READING_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
    this.onReadFailed = options.onReadFailed ?? (() => undefined);
  }

  public async check(): Promise<AdmissionDecision> {
    return decideAdmission(await this.reading(), this.policy);
  }

  /**
   * The latest reading while it is young enough, else a new one. Callers that arrive while a
   * reading is under way share it. A failed reading is kept as long as a good one, so a broker that
   * does not answer costs one probe timeout per interval, not one per checkout.
   */
  private reading(): Promise<BacklogReading> {
    if (this.latest && this.now() - this.latest.at < this.maxAgeMs) {
      return Promise.resolve(this.latest.reading);
    }
    this.inFlight ??= this.readNow().finally(() => {
      this.inFlight = undefined;
    });
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
