/**
 * Projects one event into the order's view: read, apply, write with a version condition, and start
 * again from a fresh read when another projection got there first.
 */
import { applyEvent, type ProjectedEvent } from '../domain/order-view';
import { ConcurrentUpdateError, type OrderViewRepository } from '../ports/order-view-repository';

export type ProjectionOutcome = 'applied' | 'duplicate';

/** Gave up after repeated conflicts; the record fails and the mapping retries it later. */
export class ProjectionContentionError extends Error {
  constructor(orderId: string, attempts: number, options?: { cause?: unknown }) {
    super(`The order view of ${orderId} kept changing; gave up after ${attempts} attempts`, options);
    this.name = 'ProjectionContentionError';
  }
}

export interface ProjectOrderEventOptions {
  /** Read-apply-write attempts before giving up. */
  readonly maxAttempts?: number;
  /** Waits between attempts (full jitter), so concurrent projections of one order spread out. */
  readonly backoff?: (attempt: number) => Promise<void>;
}

const defaultBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));

export async function projectOrderEvent(
  repository: OrderViewRepository,
  event: ProjectedEvent,
  options: ProjectOrderEventOptions = {},
): Promise<ProjectionOutcome> {
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff = options.backoff ?? defaultBackoff;
  let lastConflict: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const stored = await repository.load(event.orderId);
    const next = applyEvent(stored?.view, event);
    if (next === undefined) return 'duplicate';
    try {
      await repository.save(next, stored?.version);
      return 'applied';
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      lastConflict = error;
      if (attempt < maxAttempts) await backoff(attempt);
    }
  }
  throw new ProjectionContentionError(event.orderId, maxAttempts, { cause: lastConflict });
}
