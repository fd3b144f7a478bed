import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';

type SfnMiddlewareStack = SFNClient['middlewareStack'];

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

/** Each client from its own module, as the Lambda code imports them, in a fresh module graph. */
async function freshClients() {
  vi.resetModules();
  const [dynamodb, sfn, kafka, ses, region] = await Promise.all([
    import('../../../../lambdas/shared/aws/dynamodb'),
    import('../../../../lambdas/shared/aws/sfn'),
    import('../../../../lambdas/shared/aws/kafka'),
    import('../../../../lambdas/shared/aws/ses'),
    import('../../../../lambdas/shared/aws/region'),
  ]);
  return { ...dynamodb, ...sfn, ...kafka, ...ses, ...region };
}

describe('AWS clients', () => {
  it('creates each client once per container', async () => {
    // Prepare
    const clients = await freshClients();

    // Act
    const created = [clients.documentClient, clients.sfnClient, clients.kafkaClient, clients.sesClient];

    // Assess
    for (const get of created) expect(get()).toBe(get());
    expect(clients.documentClient()).toBeInstanceOf(DynamoDBDocumentClient);
    expect(clients.dynamoDbClient()).toBeInstanceOf(DynamoDBClient);
    expect(clients.sfnClient()).toBeInstanceOf(SFNClient);
    expect(clients.kafkaClient()).toBeInstanceOf(KafkaClient);
    expect(clients.sesClient()).toBeInstanceOf(SESv2Client);
  });

  it('re-exports the same per-container clients from the clients module', async () => {
    // Prepare
    const clients = await freshClients();

    // Act
    const barrel = await import('../../../../lambdas/shared/aws/clients');

    // Assess
    expect(barrel.documentClient()).toBe(clients.documentClient());
    expect(barrel.dynamoDbClient()).toBe(clients.dynamoDbClient());
    expect(barrel.sfnClient()).toBe(clients.sfnClient());
    expect(barrel.kafkaClient()).toBe(clients.kafkaClient());
    expect(barrel.sesClient()).toBe(clients.sesClient());
    expect(barrel.awsRegion).toBe(clients.awsRegion);
  });

  it('drops undefined attributes instead of failing to marshall them', async () => {
    // Prepare
    const clients = await freshClients();

    // Act
    const options = clients.documentClient().config.translateConfig?.marshallOptions;

    // Assess
    expect(options?.removeUndefinedValues).toBe(true);
  });

  it('uses AWS_REGION, and us-east-1 only when nothing is set', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const inLambda = (await freshClients()).sfnClient();
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const local = await freshClients();

    // Act
    const lambdaRegion = await inLambda.config.region();
    const localRegion = local.awsRegion();

    // Assess
    expect(lambdaRegion).toBe('eu-west-1');
    expect(localRegion).toBe('us-east-1');
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_<SERVICE>, as the local mode needs', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', 'http://127.0.0.1:8000');
    vi.stubEnv('AWS_ENDPOINT_URL_SFN', 'http://127.0.0.1:8083');
    const clients = await freshClients();

    // Act
    const dynamodb = await requestTarget(clients.dynamoDbClient(), new ListTablesCommand({}));
    const sfn = await requestTarget(clients.sfnClient(), new ListStateMachinesCommand({}));

    // Assess
    expect(dynamodb).toBe('http://127.0.0.1:8000');
    expect(sfn).toBe('http://127.0.0.1:8083');
  });
});

/** Where the client would send the command; the request is stopped before it leaves the process. */
async function requestTarget(anyClient: unknown, command: unknown): Promise<string> {
  // Every v3 client has the same stack and send; the SFN types stand for all of them.
  const client = anyClient as { send(command: never): Promise<unknown>; middlewareStack: SfnMiddlewareStack };
  let target = '';
  client.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { protocol: string; hostname: string; port?: number };
      target = `${request.protocol}//${request.hostname}:${request.port}`;
      throw new Error('stop before the network');
    },
    { step: 'finalizeRequest', priority: 'low', name: 'captureTarget', override: true },
  );
  await client.send(command as never).catch(() => undefined);
  return target;
}
