/**
 * What the pipeline and its dashboard need from a set of event source mappings, wherever they run:
 * counters, lag, pause and resume. EventSourceMappings (this process) and ConsumerProcess (a child
 * process) both provide it; `combineMappings` puts the two behind one face.
 */
import { type MappingStats, type PartitionLag, UnknownMappingError } from './event-source-mapping';

export interface MappingControl {
  stats(): MappingStats[];
  /** Committed offset vs. end offset per group, topic and partition. */
  getLag(): Promise<PartitionLag[]>;
  /** Pauses the mappings answering to a mapping id, function logical id or group id; throws UnknownMappingError. */
  pause(name: string): string[];
  resume(name: string): string[];
}

/** One MappingControl over several: pause/resume reach whichever part knows the name. */
export function combineMappings(parts: readonly MappingControl[]): MappingControl {
  const each = (name: string, action: (part: MappingControl) => string[]): string[] => {
    const matched: string[] = [];
    const unknown: string[] = [];
    for (const part of parts) {
      try {
        matched.push(...action(part));
      } catch (error) {
        if (!(error instanceof UnknownMappingError)) throw error;
        unknown.push(error.message);
      }
    }
    if (matched.length === 0) {
      throw new UnknownMappingError(`No event source mapping '${name}' (${unknown.join('; ')})`);
    }
    return matched;
  };
  return {
    stats: () => parts.flatMap((part) => part.stats()),
    getLag: async () => (await Promise.all(parts.map((part) => part.getLag()))).flat(),
    pause: (name) => each(name, (part) => part.pause(name)),
    resume: (name) => each(name, (part) => part.resume(name)),
  };
}
