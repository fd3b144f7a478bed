/**
 * Small command line for the real parts alone (the full local mode is `npm start`):
 *   tsx local/infra/cli.ts fetch                 fetch the Kafka jars (first use), with timings
 *   tsx local/infra/cli.ts up [--brokers 3] [--stage dev] [--no-templates]
 *                                                start them, create topics and tables, seed, print the
 *                                                environment, and keep running until Ctrl-C
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stageTemplates } from '../runtime/cfn-template';
import { type BrokerCount, KAFKA_ARTIFACTS } from './kafka-cluster';
import { LocalServices } from './local-services';
import { ensureArtifacts, secondsSince } from './maven-artifacts';
import { repositoryRoot } from './paths';
import { checkJava, checkMaven } from './preflight';

async function fetchAll(): Promise<void> {
  checkJava();
  checkMaven();
  const started = Date.now();
  const dir = await ensureArtifacts(KAFKA_ARTIFACTS);
  console.log(`${KAFKA_ARTIFACTS.displayName}: ${dir} (${secondsSince(started)} s)`);
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      brokers: { type: 'string', default: '1' },
      stage: { type: 'string', default: 'dev' },
      'no-templates': { type: 'boolean', default: false },
    },
  });
  const brokers = Number(values.brokers);
  if (brokers !== 1 && brokers !== 3) {
    throw new RangeError(`--brokers must be 1 or 3, got '${values.brokers}'`);
  }
  const templates = values['no-templates']
    ? []
    : stageTemplates(join(repositoryRoot(), 'cdk.out'), values.stage);
  const stack = new LocalServices({ brokers: brokers as BrokerCount, templates });
  const info = await stack.start();
  console.log('\nReady. Environment for handlers and tools:');
  for (const [name, value] of Object.entries(info.environment)) {
    console.log(`  export ${name}=${value}`);
  }
  console.log(`Timings (s): ${JSON.stringify(info.timings)}`);
  console.log('Ctrl-C stops everything.');
  // Stay alive; the signal hook registered by LocalServices stops the parts and exits.
  setInterval(() => undefined, 1 << 30);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'fetch') {
    await fetchAll();
  } else if (command === 'up') {
    await up(rest);
  } else {
    console.error('Usage: tsx local/infra/cli.ts fetch | up [--brokers 1|3] [--stage dev] [--no-templates]');
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
