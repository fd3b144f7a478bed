import { describe, expect, it } from 'vitest';
import { STAGES } from '../../lib/config/stages';
import { ALL_TOPICS } from '../../lib/config/topics';
import type { CfnTemplate } from '../../local/runtime/cfn-template';
import { readDeployment } from '../../scripts/lib/capacity/deployment';
import { synthPipeline } from './synth';

describe('the capacity model reads the prod deployment from its templates', () => {
  // Prepare
  const { stacks, template } = synthPipeline('prod');
  const templates = [stacks.data, stacks.app].map((stack) => template(stack).toJSON() as CfnTemplate);

  it('sees the brokers, topics, mappings and API throttle the stage configures', () => {
    // Act
    const deployment = readDeployment('prod', templates);

    // Assess
    const config = STAGES.prod;
    expect(deployment.brokers).toEqual({
      count: 3,
      instanceType: config.brokerInstanceType,
      volumeGiB: config.brokerVolumeGiB,
    });
    expect(deployment.api).toEqual(config.apiThrottle);
    expect(deployment.stateMachineType).toBe('STANDARD');
    expect(deployment.topics.map((topic) => [topic.name, topic.partitions, topic.retentionHours])).toEqual(
      expect.arrayContaining(ALL_TOPICS.map((topic) => [topic.name, topic.partitions, topic.retentionHours])),
    );
    expect(deployment.mappings).toHaveLength(12);
    expect(deployment.mappings.every((mapping) => mapping.maximumPollers === config.pollers.max)).toBe(true);
    // Every consumer a mapping invokes is a function of the template, with its memory and architecture.
    for (const mapping of deployment.mappings) {
      expect(deployment.functions.find((fn) => fn.logicalId === mapping.functionLogicalId)).toMatchObject({
        memoryMb: 512,
        architecture: 'arm64',
      });
    }
    expect(deployment.fixed.interfaceEndpointZones).toBeGreaterThan(0);
  });
});
