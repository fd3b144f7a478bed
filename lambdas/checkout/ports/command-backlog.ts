import type { CommandBacklog } from '../domain/admission';

/** Where the saga services' command backlogs are read from (the broker's consumer group offsets). */
export interface CommandBacklogReader {
  /**
   * One backlog per saga command mapping, read now.
   * @throws when the backlogs cannot be read (broker unreachable, not authorised, too slow)
   */
  read(): Promise<readonly CommandBacklog[]>;
}
