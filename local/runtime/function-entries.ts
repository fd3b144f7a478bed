/**
 * Maps a function of the template back to its TypeScript entry. The CDK app tags every function
 * with `PIPELINE_FUNCTION=<name>`; consumers take their entry from the consumer catalogue, the API
 * and saga functions from the small table below.
 */
import { CONSUMERS } from '../../lib/config/consumers';

/** Entries of the functions that are not Kafka consumers, with the names the app may tag them with. */
const OTHER_ENTRIES: readonly { readonly names: readonly string[]; readonly entry: string }[] = [
  {
    names: ['placeOrder', 'checkout', 'placeOrderHandler'],
    entry: 'lambdas/checkout/handlers/place-order.ts',
  },
  {
    names: ['getOrder', 'orderQuery', 'getOrderHandler'],
    entry: 'lambdas/order-read-model/handlers/get-order.ts',
  },
  {
    names: ['sagaPublisher', 'sagaCommandPublisher', 'saga'],
    entry: 'lambdas/saga/handlers/saga-publisher.ts',
  },
];

/** `place-order`, `placeOrder` and `PlaceOrder` name the same function. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const ENTRY_BY_NAME = new Map<string, string>([
  ...CONSUMERS.map((consumer) => [normalize(consumer.name), consumer.entry] as const),
  ...OTHER_ENTRIES.flatMap(({ names, entry }) => names.map((name) => [normalize(name), entry] as const)),
]);

/** The entry (relative to the repository root) of a pipeline function name, if it is known. */
export function entryOfPipelineFunction(name: string): string | undefined {
  return ENTRY_BY_NAME.get(normalize(name));
}
