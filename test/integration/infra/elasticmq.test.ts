import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { localSqsClient } from '../../../local/infra/aws-clients';
import { ensureQueues } from '../../../local/infra/elasticmq';

describe('ElasticMQ (SQS-compatible on-failure destinations)', () => {
  const { sqsEndpoint, queueUrls } = inject('localServices');

  it('creates queues by name, idempotently, and round-trips a message with the real SQS client', async () => {
    // Prepare
    const name = `infra-test-${randomUUID()}`;
    const client = localSqsClient(sqsEndpoint);
    const first = await ensureQueues(sqsEndpoint, [name]);
    const url = first[name]!;

    // Act
    const again = await ensureQueues(sqsEndpoint, [name]);
    await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ reason: 'NOT_JSON' }) }),
    );
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));

    // Assess
    expect(again[name]).toBe(url);
    expect(url).toBe(`${sqsEndpoint}/000000000000/${name}`);
    expect(Messages?.map((message) => JSON.parse(message.Body!))).toEqual([{ reason: 'NOT_JSON' }]);
    await client.send(new DeleteQueueCommand({ QueueUrl: url }));
    client.destroy();
  });

  it('has created the queues of the templates and exported the endpoint', () => {
    // Assess
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(sqsEndpoint);
    for (const url of Object.values(queueUrls)) {
      expect(url.startsWith(`${sqsEndpoint}/`)).toBe(true);
    }
  });
});
