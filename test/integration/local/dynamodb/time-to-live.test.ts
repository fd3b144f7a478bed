import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyedTable, startTestServer, type TestServer } from './dynamodb-fixture';

const SWEEP_MS = 100;

describe('DynamoDB-compatible server: time to live', () => {
  let local: TestServer;

  const keysOf = async (table: string) => {
    const { Items = [] } = await local.documents.send(new ScanCommand({ TableName: table }));
    return Items.map((item) => item.id as string).sort();
  };

  beforeAll(async () => {
    local = await startTestServer({ ttlSweepIntervalMs: SWEEP_MS });
    await createKeyedTable(local.client, 'idempotency', 'id');
    await createKeyedTable(local.client, 'no-ttl', 'id');
    await local.client.send(
      new UpdateTimeToLiveCommand({
        TableName: 'idempotency',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      }),
    );
  });

  afterAll(async () => {
    await local.close();
  });

  it('deletes items whose TTL has passed within a sweep, and only those', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const items = [
      { id: 'expired', expiration: now - 10 },
      { id: 'expires-later', expiration: now + 3600 },
      { id: 'text-ttl', expiration: String(now - 10) },
      { id: 'no-ttl' },
      // DynamoDB ignores TTL values more than five years in the past.
      { id: 'ancient', expiration: now - 6 * 365 * 24 * 3600 },
    ];
    await local.documents.send(
      new BatchWriteCommand({
        RequestItems: {
          idempotency: items.map((Item) => ({ PutRequest: { Item } })),
          'no-ttl': items.map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );

    // Act
    await new Promise((resolve) => setTimeout(resolve, SWEEP_MS * 5));

    // Assess
    expect(await keysOf('idempotency')).toEqual(['ancient', 'expires-later', 'no-ttl', 'text-ttl']);
    expect(await keysOf('no-ttl')).toHaveLength(5);
  });
});
