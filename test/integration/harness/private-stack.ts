/**
 * A private set of real parts for a test that kills or restarts them (reliability scenarios 2-4:
 * broker SIGKILL, one broker of three lost, the DynamoDB server restarted). The harness's shared parts
 * live in vitest's main process and must stay up for the other test files, so a fault scenario
 * starts its own, on ports and a folder of its own inside this run's slot, and stops them after.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { BrokerCount } from '../../../local/infra/kafka-cluster';
import { LocalServices, type LocalServicesInfo } from '../../../local/infra/local-services';
import { repositoryRoot } from '../../../local/infra/paths';
import { readStackTemplate, stageTemplates } from '../../../local/runtime/cfn-template';

/**
 * Base ports of private stacks; far from the harness's (19092 / 18000) and the user's, and
 * below Linux's ephemeral range (32768-60999) with their controller ports (+1000): a port in that
 * range can be the local end of any outgoing connection at that moment, and the three-broker stack
 * once failed its start on a controller port (40094) taken so.
 */
const PRIVATE_BASE = { kafka: 29_092, dynamodb: 28_000 } as const;

export interface PrivateStack {
  readonly stack: LocalServices;
  readonly info: LocalServicesInfo;
}

/**
 * Starts Kafka (1 or 3 brokers) and the DynamoDB server with the same topics, tables and catalogue
 * as the harness. `index` (0-9) keeps two private stacks of one run apart.
 */
export async function startPrivateStack(options: {
  brokers: BrokerCount;
  index?: number;
}): Promise<PrivateStack> {
  const index = options.index ?? 0;
  const offset = inject('localServices').portOffset + index * 10;
  const root = repositoryRoot();
  const dataDir = join(root, '.local', 'integration', `private-${offset}`);
  rmSync(dataDir, { recursive: true, force: true });
  const explicit = process.env.LOCAL_TEMPLATES?.split(',').filter(Boolean);
  const stack = new LocalServices({
    brokers: options.brokers,
    kafkaPort: PRIVATE_BASE.kafka + offset,
    dynamodbPort: PRIVATE_BASE.dynamodb + offset,
    // The harness exported KAFKA_BROKERS for the shared broker; a private stack starts its own.
    kafkaBrokersFromEnv: false,
    dataDir,
    templates: explicit?.length
      ? explicit.map((file) => readStackTemplate(file))
      : stageTemplates(join(root, 'cdk.out')),
    seed: 'overwrite',
    log: () => undefined,
  });
  return { stack, info: await stack.start() };
}
