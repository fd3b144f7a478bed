/**
 * Order ids and request fingerprints (CONTRACTS.md, "Money and ids"). With an Idempotency-Key the
 * order id is derived from the customer and the key, so a retried checkout lands on the same order
 * and the same Step Functions execution name.
 */
import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUID from sha256(customerId + '\n' + key): the first 16 bytes with the RFC 9562 version 8
 * ("custom") and variant bits set, so it validates as a UUID everywhere.
 */
export function deterministicOrderId(customerId: string, idempotencyKey: string): string {
  const bytes = createHash('sha256').update(`${customerId}\n${idempotencyKey}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newOrderId(customerId: string, idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined ? randomUUID() : deterministicOrderId(customerId, idempotencyKey);
}

/** sha256 of the request with object keys sorted, so key order in the JSON body does not matter. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
