/**
 * SDK clients for the local parts. Credentials and region are fixed placeholders: the DynamoDB
 * server (one database for every region and key) accepts any, and a developer's real AWS profile is
 * never needed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_ACCOUNT } from '../runtime/local-resources';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_ACCOUNT.region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
  });
}
