/**
 * Deploys today's App template over a stack that still has the mappings which shared consumer
 * groups (test/fixtures/templates/shared-consumer-group-mappings.json), on paper, with the rules
 * CloudFormation and Lambda apply:
 * - a logical id that stays keeps its mapping only if no replacement property changed
 *   (AmazonManagedKafkaEventSourceConfig, Topics, EventSourceArn, StartingPosition are
 *   "Update requires: Replacement"); FunctionName updates in place;
 * - a new logical id is created while every old mapping still exists: CloudFormation deletes
 *   removed resources only in its cleanup phase, after the update;
 * - Lambda refuses a second mapping of the same event source, function identity (qualifier
 *   included) and topic ("An event source mapping with event source (...), function (...) and
 *   topics (...) already exists"), and a consumer group id that another Kafka mapping uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { REPLACE_SHARED_CONSUMER_GROUPS_CONTEXT } from '../../lib/app-stack';
import { STAGES } from '../../lib/config/stages';
import { SHARED_GROUP_MIGRATION_ALIAS } from '../../lib/constructs/kafka-consumer';
import { addPipelineStacks } from '../../lib/pipeline-stacks';
import { cdkJsonContext } from './synth';
import type { CfnValue } from './template-text';

type Resources = Record<string, { Type: string; Properties: Record<string, CfnValue> }>;

/** Properties of AWS::Lambda::EventSourceMapping whose change replaces the mapping. */
const REPLACEMENT_PROPERTIES = [
  'AmazonManagedKafkaEventSourceConfig',
  'EventSourceArn',
  'StartingPosition',
  'StartingPositionTimestamp',
  'Topics',
] as const;

const deployed = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'templates', 'shared-consumer-group-mappings.json'), 'utf8'),
).Resources as Resources;

function appTemplate(context: Record<string, unknown>): Resources {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...cdkJsonContext(), stage: 'dev', 'aws:cdk:bundling-stacks': [], ...context },
  });
  const { app: appStack } = addPipelineStacks(app, STAGES.dev);
  return Template.fromStack(appStack as Stack).toJSON().Resources as Resources;
}

const mappingsOf = (resources: Resources): Resources =>
  Object.fromEntries(
    Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::EventSourceMapping'),
  );

/** `<function logical id>` or `<function logical id>:<alias>`: what Lambda sees as the function. */
function functionIdentity(functionName: CfnValue, resources: Resources): string {
  if (functionName.Ref && resources[functionName.Ref]?.Type === 'AWS::Lambda::Alias') {
    const alias = resources[functionName.Ref]!.Properties;
    return `${alias.FunctionName.Ref}:${alias.Name}`;
  }
  if (functionName.Ref) return functionName.Ref;
  // CDK names an alias target as `<function name>:<alias>`: Join of Select(6, Split(':', Ref alias)).
  const [, parts] = functionName['Fn::Join'];
  const aliasId = parts[0]['Fn::Select'][1]['Fn::Split'][1].Ref as string;
  const alias = resources[aliasId]!.Properties;
  expect(parts[1]).toBe(`:${alias.Name}`);
  return `${alias.FunctionName.Ref}:${alias.Name}`;
}

interface Deployment {
  /** Old logical ids kept, replaced or deleted, new ones created. */
  readonly kept: string[];
  readonly replaced: string[];
  readonly created: string[];
  readonly deleted: string[];
  /** Why Lambda would refuse a mapping CloudFormation creates during the update. */
  readonly refusals: string[];
}

/** The update CloudFormation runs from the deployed mappings to `next` (a whole App template). */
function deploy(current: Resources, currentResources: Resources, next: Resources): Deployment {
  const nextMappings = mappingsOf(next);
  const kept: string[] = [];
  const replaced: string[] = [];
  for (const id of Object.keys(current).filter((id) => id in nextMappings)) {
    const changed = REPLACEMENT_PROPERTIES.some(
      (property) =>
        JSON.stringify(current[id]!.Properties[property]) !==
        JSON.stringify(nextMappings[id]!.Properties[property]),
    );
    (changed ? replaced : kept).push(id);
  }
  const created = Object.keys(nextMappings).filter((id) => !(id in current));
  const deleted = Object.keys(current).filter((id) => !(id in nextMappings));
  // During the update every current mapping still exists; new ones and replacements join them.
  const coexisting = [
    ...Object.entries(current).map(([id, resource]) => ({ id, resource, resources: currentResources })),
    ...[...created, ...replaced].map((id) => ({ id, resource: nextMappings[id]!, resources: next })),
  ];
  const keyOf = ({ resource, resources }: (typeof coexisting)[number]) =>
    JSON.stringify([
      resource.Properties.EventSourceArn,
      functionIdentity(resource.Properties.FunctionName, resources),
      resource.Properties.Topics,
    ]);
  const refusals: string[] = [];
  for (const id of [...created, ...replaced]) {
    const mine = coexisting.find((entry) => entry.id === id && entry.resources === next)!;
    const group = mine.resource.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId;
    for (const other of coexisting.filter((entry) => entry !== mine)) {
      if (keyOf(other) === keyOf(mine)) refusals.push(`${id}: same function and topic as ${other.id}`);
      if (other.resource.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId === group) {
        refusals.push(`${id}: consumer group '${group}' is in use by ${other.id}`);
      }
    }
  }
  // In-place updates (e.g. FunctionName) must not collide either once the update is through.
  const after = Object.entries(nextMappings).map(([id, resource]) => ({ id, resource, resources: next }));
  for (const [index, mine] of after.entries()) {
    for (const other of after.slice(index + 1)) {
      if (keyOf(other) === keyOf(mine)) refusals.push(`${mine.id}: same function and topic as ${other.id}`);
      const group = mine.resource.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId;
      if (other.resource.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId === group) {
        refusals.push(`${mine.id}: consumer group '${group}' is in use by ${other.id}`);
      }
    }
  }
  return { kept, replaced, created, deleted, refusals: [...new Set(refusals)] };
}

describe('moving the shared-group mappings to their own consumer groups', () => {
  // Prepare
  const migration = appTemplate({ [REPLACE_SHARED_CONSUMER_GROUPS_CONTEXT]: 'true' });
  const final = appTemplate({});
  const sharedGroups = new Set(
    Object.values(deployed)
      .map((mapping) => mapping.Properties.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId)
      .filter((group, index, all) => all.indexOf(group) !== index),
  );
  const sharedGroupMappings = Object.keys(deployed).filter((id) =>
    sharedGroups.has(deployed[id]!.Properties.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId),
  );

  it('starts from the template that shares three group ids among eight mappings', () => {
    // Assess
    expect([...sharedGroups].sort()).toEqual([
      'order-pipeline.loyalty',
      'order-pipeline.notification',
      'order-pipeline.order-read-model',
    ]);
    expect(sharedGroupMappings).toHaveLength(8);
  });

  it('deploys in one update with -c replaceSharedConsumerGroups=true: no mapping Lambda would refuse', () => {
    // Act
    const update = deploy(deployed, deployed, migration);

    // Assess
    expect(update.refusals).toEqual([]);
    expect(update.replaced).toEqual([]);
    // The one-topic consumers keep their mappings (and committed offsets) untouched.
    expect(update.kept.sort()).toEqual(
      Object.keys(deployed)
        .filter((id) => !sharedGroupMappings.includes(id))
        .sort(),
    );
    expect(update.deleted.sort()).toEqual([...sharedGroupMappings].sort());
    expect(update.created).toHaveLength(sharedGroupMappings.length);
  });

  it('keeps every function and topic consumed through the update: the new mapping exists before the old one goes', () => {
    // Prepare
    const update = deploy(deployed, deployed, migration);
    const migrationMappings = mappingsOf(migration);
    const consumed = (id: string, resources: Resources, mapping = resources[id]!) =>
      `${functionIdentity(mapping.Properties.FunctionName, resources).split(':')[0]} ${mapping.Properties.Topics}`;

    // Assess
    for (const id of update.deleted) {
      const replacement = update.created.find(
        (created) => consumed(created, migration) === consumed(id, deployed),
      );
      expect(replacement, `replacement of ${id}`).toBeDefined();
      // A new group has no committed offsets: it starts at the oldest retained record, skipping none.
      expect(migrationMappings[replacement!]!.Properties.StartingPosition).toBe('TRIM_HORIZON');
      expect(
        functionIdentity(migrationMappings[replacement!]!.Properties.FunctionName, migration).endsWith(
          `:${SHARED_GROUP_MIGRATION_ALIAS}`,
        ),
      ).toBe(true);
    }
  });

  it('is refused without the flag, because the new mapping would share function and topic with the old', () => {
    // Act
    const update = deploy(deployed, deployed, final);

    // Assess
    expect(update.refusals.filter((refusal) => refusal.includes('same function and topic'))).toHaveLength(
      sharedGroupMappings.length,
    );
  });

  it('then points the mappings back at the functions in place, on the next deployment without the flag', () => {
    // Act
    const migrated = mappingsOf(migration);
    const update = deploy(migrated, migration, final);

    // Assess
    expect(update.refusals).toEqual([]);
    expect(update.created).toEqual([]);
    expect(update.deleted).toEqual([]);
    expect(update.replaced).toEqual([]);
    expect(
      Object.values(mappingsOf(final)).map((mapping) => Object.keys(mapping.Properties.FunctionName)),
    ).toEqual(Object.values(mappingsOf(final)).map(() => ['Ref']));
    expect(Object.values(final).filter((resource) => resource.Type === 'AWS::Lambda::Alias')).toEqual([]);
  });

  it('creates a fresh stack without the flag: every mapping has its own group', () => {
    // Act
    const update = deploy({}, {}, final);

    // Assess
    expect(update.refusals).toEqual([]);
    expect(update.created).toHaveLength(Object.keys(deployed).length);
  });
});
