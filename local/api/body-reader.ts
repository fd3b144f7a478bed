/**
 * Reads a request body up to a limit without ever holding more: a declared Content-Length over
 * the limit is refused before a byte is read, and a streamed body is refused as soon as it passes
 * the limit (API Gateway's payload limit is 10 MB).
 */
import type { IncomingMessage } from 'node:http';
import { API_GATEWAY_MAX_PAYLOAD_BYTES } from '../../lib/config/aws-rules';

export const API_GATEWAY_MAX_BODY_BYTES = API_GATEWAY_MAX_PAYLOAD_BYTES;

/** The body exceeds the limit; nothing beyond the limit was kept. */
export class PayloadTooLargeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadTooLargeError';
  }
}

export function declaredLengthExceeds(request: IncomingMessage, limit: number): boolean {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

export function readBody(
  request: IncomingMessage,
  limit: number = API_GATEWAY_MAX_BODY_BYTES,
): Promise<Buffer> {
  if (declaredLengthExceeds(request, limit)) {
    return Promise.reject(new PayloadTooLargeError(`Content-Length exceeds ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading: the socket stays paused until the server answers and closes it.
        request.pause();
        chunks.length = 0;
        reject(new PayloadTooLargeError(`Body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}
