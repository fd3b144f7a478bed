/**
 * Starts the DynamoDB-compatible server in-process on an ephemeral port and gives the real SDK
 * clients for it. One attempt per call: a refusal must surface as the exception, never be retried.
 */
import { CreateTableCommand, DynamoDBClient, type ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type DynamoDbServerOptions,
  type RunningDynamoDbServer,
  startDynamoDbServer,
} from '../../../../local/dynamodb/server';

export interface TestServer {
  readonly server: RunningDynamoDbServer;
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export function sdkClient(endpoint: string, region = 'eu-central-1'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: `test-${region}`, secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

export async function startTestServer(
  options: Omit<DynamoDbServerOptions, 'port'> = {},
): Promise<TestServer> {
  const server = await startDynamoDbServer({ ...options, port: 0 });
  const client = sdkClient(server.endpoint);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    server,
    client,
    documents,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/** A POST with any target and body, for what the SDK would never send. */
export async function rawRequest(
  endpoint: string,
  target: string | undefined,
  body: string,
): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', ...(target ? { 'X-Amz-Target': target } : {}) },
    body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** What a call fails with (undefined when it succeeds), caught at once so no rejection goes unhandled. */
export function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** An on-demand table keyed by `hash` (and `range`), both strings unless typed otherwise. */
export async function createKeyedTable(
  client: DynamoDBClient,
  name: string,
  hash: string,
  range?: string,
  rangeType: ScalarAttributeType = 'S',
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [
        { AttributeName: hash, KeyType: 'HASH' },
        ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
      ],
      AttributeDefinitions: [
        { AttributeName: hash, AttributeType: 'S' },
        ...(range ? [{ AttributeName: range, AttributeType: rangeType }] : []),
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
