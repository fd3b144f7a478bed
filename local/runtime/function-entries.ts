/**
 * Maps a function of the template back to its TypeScript entry. The CDK app tags every function
 * with `PIPELINE_FUNCTION=<name>`, its name in the function catalogue, which also holds its entry.
 */
import { PIPELINE_FUNCTIONS } from '../../lib/config/functions';

/** `place-order`, `placeOrder` and `PlaceOrder` name the same function. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const ENTRY_BY_NAME = new Map<string, string>(
  PIPELINE_FUNCTIONS.map((spec) => [normalize(spec.name), spec.entry] as const),
);

/** The entry (relative to the repository root) of a pipeline function name, if it is known. */
export function entryOfPipelineFunction(name: string): string | undefined {
  return ENTRY_BY_NAME.get(normalize(name));
}
