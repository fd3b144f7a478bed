/**
 * Turns the DynamoDB tables of a synthesized CloudFormation template into local ones, from the
 * template's own definitions (keys, indexes, billing, TTL, streams), so that the local tables
 * cannot drift from what the CDK app deploys.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  ResourceInUseException,
  type StreamViewType,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { CfnResource, CfnTemplate } from '../runtime/cfn-template';
import { LocalResolver } from '../runtime/local-resources';
import { TemplateResourceError } from './errors';

export interface TemplateNamingOptions {
  /**
   * Stack name: resolves `AWS::StackName` and prefixes names generated from logical ids, as
   * CloudFormation does (`<stack>-<logicalId>`, without CloudFormation's random suffix).
   * @default no prefix
   */
  readonly stackName?: string;
}

export interface LocalTableDefinition {
  readonly logicalId: string;
  /** Construct path (`aws:cdk:path` metadata) when the template carries it. */
  readonly cdkPath?: string;
  readonly createTable: CreateTableCommandInput;
  /** TTL attribute to enable after creation. */
  readonly timeToLiveAttribute?: string;
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);
/** What a provisioned table gets locally when the template leaves the capacity to auto scaling. */
const DEFAULT_CAPACITY = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

/** Every table of the template as CreateTable input (pure: no network). */
export function tableDefinitionsFromTemplate(
  template: CfnTemplate,
  options: TemplateNamingOptions = {},
): LocalTableDefinition[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => TABLE_TYPES.has(resource.Type))
    .map(([logicalId, resource]) => tableDefinition(template, logicalId, resource, options));
}

function tableDefinition(
  template: CfnTemplate,
  logicalId: string,
  resource: CfnResource,
  options: TemplateNamingOptions,
): LocalTableDefinition {
  const props = resource.Properties ?? {};
  const where = `${resource.Type} '${logicalId}'`;
  const keySchema = props.KeySchema as KeySchemaElement[] | undefined;
  const attributes = props.AttributeDefinitions as AttributeDefinition[] | undefined;
  if (!Array.isArray(keySchema) || keySchema.length === 0 || !Array.isArray(attributes)) {
    throw new TemplateResourceError(
      `${where} has no KeySchema/AttributeDefinitions: ${JSON.stringify(props)}`,
    );
  }
  const provisioned =
    props.BillingMode === 'PROVISIONED' ||
    (props.BillingMode === undefined && resource.Type === 'AWS::DynamoDB::Table');
  const throughput = provisioned ? provisionedThroughput(props.ProvisionedThroughput) : undefined;
  const gsis = (props.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined)?.map(
    (index): GlobalSecondaryIndex => ({
      IndexName: index.IndexName as string,
      KeySchema: index.KeySchema as KeySchemaElement[],
      Projection: (index.Projection as Projection | undefined) ?? { ProjectionType: 'ALL' },
      ...(provisioned ? { ProvisionedThroughput: provisionedThroughput(index.ProvisionedThroughput) } : {}),
    }),
  );
  const lsis = (props.LocalSecondaryIndexes as Record<string, unknown>[] | undefined)?.map(
    (index): LocalSecondaryIndex => ({
      IndexName: index.IndexName as string,
      KeySchema: index.KeySchema as KeySchemaElement[],
      Projection: (index.Projection as Projection | undefined) ?? { ProjectionType: 'ALL' },
    }),
  );
  const stream = props.StreamSpecification as { StreamViewType?: StreamViewType } | undefined;
  const ttl = props.TimeToLiveSpecification as { AttributeName?: unknown; Enabled?: unknown } | undefined;
  const cdkPath = resource.Metadata?.['aws:cdk:path'];
  return {
    logicalId,
    cdkPath: typeof cdkPath === 'string' ? cdkPath : undefined,
    createTable: {
      TableName: physicalName(template, logicalId, props.TableName, options, where),
      KeySchema: keySchema,
      AttributeDefinitions: attributes,
      BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      ...(throughput ? { ProvisionedThroughput: throughput } : {}),
      ...(gsis && gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(lsis && lsis.length > 0 ? { LocalSecondaryIndexes: lsis } : {}),
      ...(stream?.StreamViewType
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } }
        : {}),
    },
    timeToLiveAttribute:
      ttl?.Enabled === true && typeof ttl.AttributeName === 'string' ? ttl.AttributeName : undefined,
  };
}

function provisionedThroughput(value: unknown): { ReadCapacityUnits: number; WriteCapacityUnits: number } {
  const given = value as { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown } | undefined;
  return {
    ReadCapacityUnits: Number(given?.ReadCapacityUnits ?? DEFAULT_CAPACITY.ReadCapacityUnits),
    WriteCapacityUnits: Number(given?.WriteCapacityUnits ?? DEFAULT_CAPACITY.WriteCapacityUnits),
  };
}

/** The resource's own name when the template gives one, else a name derived from the logical id. */
function physicalName(
  template: CfnTemplate,
  logicalId: string,
  given: unknown,
  options: TemplateNamingOptions,
  where: string,
): string {
  if (given === undefined) {
    return options.stackName ? `${options.stackName}-${logicalId}` : logicalId;
  }
  return resolveName(template, given, options, where);
}

/** A name given as a token (a parameter, `AWS::StackName`, Fn::Join, Fn::Sub), resolved as everywhere else locally. */
function resolveName(
  template: CfnTemplate,
  given: unknown,
  options: TemplateNamingOptions,
  where: string,
): string {
  try {
    return new LocalResolver(template, { stackName: options.stackName }).resolve(given, `${where} name`);
  } catch (error) {
    throw new TemplateResourceError(
      `${where} has a name the local mode cannot resolve: ${JSON.stringify(given)}`,
      { cause: error },
    );
  }
}

/**
 * Creates every table of the template on the local DynamoDB server (an existing table is kept as it is), enables
 * TTL where the template asks for it, and returns logical id -> table name.
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CfnTemplate,
  options: TemplateNamingOptions = {},
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const definition of tableDefinitionsFromTemplate(template, options)) {
    const tableName = definition.createTable.TableName!;
    try {
      await client.send(new CreateTableCommand(definition.createTable));
    } catch (error) {
      // Kept from an earlier run: the data folder outlives the process.
      if (!(error instanceof ResourceInUseException)) {
        throw error;
      }
    }
    if (definition.timeToLiveAttribute) {
      await enableTimeToLive(client, tableName, definition.timeToLiveAttribute);
    }
    names[definition.logicalId] = tableName;
  }
  return names;
}

async function enableTimeToLive(
  client: DynamoDBClient,
  tableName: string,
  attributeName: string,
): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  // Enabling twice is a ValidationException, as on DynamoDB; the local server reports ENABLED at once.
  if (status === 'ENABLED' || status === 'ENABLING') {
    return;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attributeName, Enabled: true },
    }),
  );
}

/**
 * The `*_TABLE_NAME` variables for tables named in `envByTable` (e.g. orders -> ORDERS_TABLE_NAME):
 * a table matches by the construct id before `/Resource` in its CDK path, else by its logical id
 * starting with or containing that name.
 */
export function tableEnvironment(
  definitions: readonly Pick<LocalTableDefinition, 'logicalId' | 'cdkPath' | 'createTable'>[],
  envByTable: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [table, envName] of Object.entries(envByTable)) {
    const wanted = table.toLowerCase();
    const byPath = definitions.find((definition) => {
      const segments = definition.cdkPath?.split('/') ?? [];
      const id = segments.at(-1) === 'Resource' ? segments.at(-2) : segments.at(-1);
      return id?.toLowerCase() === wanted;
    });
    const match =
      byPath ?? definitions.find((definition) => definition.logicalId.toLowerCase().includes(wanted));
    if (match) {
      env[envName] = match.createTable.TableName!;
    }
  }
  return env;
}
