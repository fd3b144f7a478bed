import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { API_GATEWAY_MAX_PAYLOAD_BYTES } from '../../../../lib/config/aws-rules';
import { PayloadTooLargeError, readBody } from '../../../../local/api/body-reader';

/** A request body streamed in 1 MiB chunks, with the Content-Length a client would announce. */
function request(bytes: number, announced: number | undefined = bytes): IncomingMessage {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  let left = bytes;
  const stream = new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const size = Math.min(left, chunk.length);
      left -= size;
      this.push(chunk.subarray(0, size));
    },
  });
  return Object.assign(stream, {
    headers: announced === undefined ? {} : { 'content-length': String(announced) },
  }) as unknown as IncomingMessage;
}

describe('readBody at the API Gateway payload limit', () => {
  it('reads a body of exactly 10 MB', async () => {
    // Act
    const body = await readBody(request(API_GATEWAY_MAX_PAYLOAD_BYTES));

    // Assess
    expect(body.length).toBe(API_GATEWAY_MAX_PAYLOAD_BYTES);
  });

  it('refuses an announced body one byte over 10 MB before reading it', async () => {
    // Act
    const read = readBody(request(0, API_GATEWAY_MAX_PAYLOAD_BYTES + 1));

    // Assess
    await expect(read).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('refuses a streamed body without Content-Length once it passes 10 MB', async () => {
    // Act
    const read = readBody(request(API_GATEWAY_MAX_PAYLOAD_BYTES + 1, undefined));

    // Assess
    await expect(read).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});
