/**
 * What the profile benchmark (bench/profile.ts) hands its profiled child (bench/lib/profile-target.ts)
 * and what the child reports back: the load to drive, and the measured window in the CPU profiles'
 * clock so the parent summarises the load and not the start-up.
 */
import type { ProfileWindow } from './cpu-profile-summary';
import type { CpuWindow } from './cpu-sampler';
import type { Percentiles } from './results';

/** Environment variable carrying the JSON settings to the child. */
export const PROFILE_TARGET_SETTINGS_ENV = 'BENCH_PROFILE_TARGET_SETTINGS';

export interface ProfileTargetSettings {
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** After the last send: how long to wait for every order's outcome and idle consumers. */
  readonly drainCapMs: number;
  /** Where the child writes its ProfileTargetReport. */
  readonly reportFile: string;
  /** Data folder (relative to the repository) of the child's private stack. */
  readonly dataMarker: string;
}

export interface ProfileTargetReport {
  /** The measured window (first send .. consumers idle), µs on the monotonic clock of the profiles. */
  readonly window: ProfileWindow;
  readonly windowSeconds: number;
  readonly sendWindowSeconds: number;
  readonly ordersPlaced: number;
  readonly accepted: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly confirmed: number;
  readonly failed: Readonly<Record<string, number>>;
  readonly unresolved: number;
  readonly consumersIdle: boolean;
  readonly checkoutLatencyMs: Percentiles;
  readonly confirmLatencyMs: Percentiles;
  /** /proc CPU of the child and its JVMs over the window (100 % = one core). */
  readonly cpu: CpuWindow;
  readonly loadavgAtWindowStart: readonly number[];
  readonly loadavgAtWindowEnd: readonly number[];
}
