/**
 * Admission control: whether checkout may accept one more order. An accepted order must never fail
 * for lack of capacity, so checkout refuses (and says when to come back) while a saga service has
 * more commands waiting than it picks up within the saga's pick-up budget. The rule only; reading
 * the backlog and remembering the reading are the use case's business.
 */

/** The commands one saga service has not picked up yet: its consumer group's lag on its topic. */
export interface CommandBacklog {
  /** The command topic, e.g. `payments.commands`. */
  readonly topic: string;
  /** The consumer group the service's event source mapping reads the topic in. */
  readonly consumerGroupId: string;
  /** Records past the group's committed offset, summed over the topic's partitions. */
  readonly waiting: number;
}

export interface AdmissionPolicy {
  /** Commands waiting for one service above which new orders are refused. */
  readonly maxCommandBacklog: number;
  /** What a refused client is told to wait, in seconds. */
  readonly retryAfterSeconds: number;
}

/** What the backlog probe saw: every saga service's backlog, or that it could not read them. */
export type BacklogReading =
  | { readonly known: true; readonly backlogs: readonly CommandBacklog[] }
  | { readonly known: false; readonly error: unknown };

export type AdmissionDecision =
  | {
      readonly admitted: true;
      /** False when the backlog could not be read and the order was let through (fail-open). */
      readonly backlogKnown: boolean;
    }
  | {
      readonly admitted: false;
      readonly retryAfterSeconds: number;
      /** The services whose queue is over the threshold. */
      readonly overloaded: readonly CommandBacklog[];
    };

/**
 * Refuses when any saga service's backlog is over the threshold: an order passes both services in
 * turn, and waits behind each one's own queue.
 *
 * An unknown backlog admits (fail-open). The probe cannot read the broker while a broker fails over
 * or a partition leader moves, and the saga's pick-up budget is sized to absorb exactly that;
 * refusing then would turn an infrastructure blip the pipeline rides out into a checkout outage,
 * and a fault in the probe alone (a permission, a timeout) into one for every customer. A broker
 * that stays away is the saga's to notice: its publishes fail, and the lag and saga alarms page.
 */
export function decideAdmission(reading: BacklogReading, policy: AdmissionPolicy): AdmissionDecision {
  if (!reading.known) return { admitted: true, backlogKnown: false };
  const overloaded = reading.backlogs.filter((backlog) => backlog.waiting > policy.maxCommandBacklog);
  if (overloaded.length === 0) return { admitted: true, backlogKnown: true };
  return { admitted: false, retryAfterSeconds: policy.retryAfterSeconds, overloaded };
}
