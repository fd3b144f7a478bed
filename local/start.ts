/**
 * `npm start [-- --no-demo]`: the whole pipeline on this machine. Synthesizes the CDK app when
 * cdk.out is missing or older than the sources (fast, without bundling), starts the local parts
 * and the pipeline, prints where everything is, runs the demo orders, and serves until Ctrl-C.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from './demo';
import { onShutdownSignal } from './infra/child-registry';
import { repositoryRoot } from './infra/paths';
import { startPipeline } from './pipeline';
import { ensureTemplates } from './pipeline/synth';

/** Errors whose message already tells the user what to do: printed without a stack trace. */
const EXPLAINED_ERRORS = new Set([
  'PortInUseError',
  'PrerequisiteMissingError',
  'ArtifactFetchError',
  'ComponentStartError',
  'TemplateResourceError',
  'PipelineStartError',
]);

// A long-running local server: a stray rejection in one part (e.g. a transient broker error) is
// reported, not allowed to take the whole pipeline down.
process.on('unhandledRejection', (reason) => {
  console.error(
    `[warning] ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`,
  );
});

/** Set by Ctrl-C: the demo's requests then fail because the API is gone, which is no error. */
let stopping = false;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'no-demo': { type: 'boolean', default: false } } });
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const root = repositoryRoot();
  const started = Date.now();
  const cdkOut = join(root, 'cdk.out');
  console.log('Checking the synthesized templates (cdk.out)...');
  if (ensureTemplates(root, cdkOut))
    console.log(
      'Synthesized the CDK app into cdk.out (no bundling: the local mode runs the TypeScript handlers).',
    );

  console.log(
    'Starting Kafka and the DynamoDB server (the first start fetches the Kafka jars from Maven Central)...',
  );
  const pipeline = await startPipeline({ profile: 'dev', log: (line) => console.log(`  ${line}`) });
  onShutdownSignal(async () => {
    stopping = true;
    console.log('\nStopping the local pipeline...');
  });

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
Order pipeline running locally (started in ${seconds} s)
  API            ${pipeline.apiUrl}   (POST /orders, GET /orders/{orderId})
  Dashboard      ${pipeline.dashboardUrl}
  Step Functions ${pipeline.endpoints.sfn}   (${pipeline.stateMachineArn})
  Kafka          ${pipeline.endpoints.kafkaBrokers.join(',')}
  DynamoDB       ${pipeline.endpoints.dynamodb}
  Lambda Invoke  ${pipeline.endpoints.lambda}
  Mailbox        ${pipeline.mailboxDir}
  Function logs  ${pipeline.functionLogFile}

Get a token:   npm run token -- <customerId>
Place an order:
  TOKEN=$(npm run --silent token -- alice)
  curl -s -X POST ${pipeline.apiUrl}/orders \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"items":[{"sku":"SKU-1","quantity":1}],"currency":"EUR","payment":{"token":"tok_approve"},"email":"alice@example.com","shippingAddress":{"name":"Alice","line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}}'
  curl -s ${pipeline.apiUrl}/orders/<orderId> -H "Authorization: Bearer $TOKEN"
Pause a consumer: curl -X POST ${pipeline.dashboardUrl}/api/consumers/analytics/pause   (and /resume)
Failure queues: npm run dlq -- list <consumer>   (then show / redrive <consumer> <messageId|--all>)
`);

  if (!values['no-demo']) await runDemo(pipeline);
  console.log('\nServing until Ctrl-C.');
  // Kafka consumers and servers keep the process alive; Ctrl-C runs the shutdown hooks.
}

main().catch((error: unknown) => {
  if (stopping) return;
  if (error instanceof Error && EXPLAINED_ERRORS.has(error.name)) {
    console.error(`\nnpm start failed: ${error.message}`);
  } else {
    console.error('\nnpm start failed:', error);
  }
  process.exit(1);
});
