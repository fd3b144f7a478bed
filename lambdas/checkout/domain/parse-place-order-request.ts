/**
 * Turns the raw `POST /orders` input into a validated request, or an InvalidOrderRequestError that
 * lists every problem. Pure: the handler passes the body and header as API Gateway delivered them.
 */
import { detailsFromIssues } from '../../shared/http';
import { InvalidOrderRequestError } from './errors';
import {
  idempotencyKeySchema,
  MAX_BODY_BYTES,
  type PlaceOrderRequest,
  placeOrderRequestSchema,
} from './place-order-request';

export interface RawPlaceOrderInput {
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
  /** The Idempotency-Key header as received, if any. */
  readonly idempotencyKey: string | undefined;
}

export interface ParsedPlaceOrderRequest {
  readonly request: PlaceOrderRequest;
  readonly idempotencyKey: string | undefined;
}

export function parsePlaceOrderRequest(input: RawPlaceOrderInput): ParsedPlaceOrderRequest {
  const idempotencyKey = parseIdempotencyKey(input.idempotencyKey);
  const bytes =
    input.body === null
      ? Buffer.alloc(0)
      : Buffer.from(input.body, input.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.byteLength === 0) {
    throw new InvalidOrderRequestError('The request body is missing', {
      details: [{ message: 'A JSON order request body is required' }],
    });
  }
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new InvalidOrderRequestError('The request body is too large', {
      code: 'PAYLOAD_TOO_LARGE',
      details: [{ message: `The body is ${bytes.byteLength} bytes; at most ${MAX_BODY_BYTES} are accepted` }],
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidOrderRequestError('The request body is not valid JSON', {
      code: 'INVALID_JSON',
      details: [{ message: 'The body must be a JSON object' }],
      cause: error,
    });
  }
  const parsed = placeOrderRequestSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidOrderRequestError('The order request is invalid', {
      details: detailsFromIssues(parsed.error.issues),
      cause: parsed.error,
    });
  }
  return { request: parsed.data, idempotencyKey };
}

function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!idempotencyKeySchema.safeParse(header).success) {
    throw new InvalidOrderRequestError('The Idempotency-Key header is invalid', {
      details: [{ field: 'Idempotency-Key', message: 'Use 1-64 characters of A-Z, a-z, 0-9, _ and -' }],
    });
  }
  return header;
}
