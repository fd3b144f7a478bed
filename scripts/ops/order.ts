/**
 * `npm run order -- <orderId> [--stage dev|prod] [--json]`: an order's status and history, its
 * saga execution state by state, and its records on each topic (order-lookup.ts). Without
 * --stage it reads the local mode of a running `npm start`; with it, the deployed stage, with the
 * caller's AWS credentials and region.
 */
import { parseCommandLine, runOpsCommand } from './command-line';
import { lookUpOrder } from './order-lookup';
import { formatOrderReport } from './order-report';
import { OpsError, resolveTarget } from './target';

const USAGE =
  'Usage: npm run order -- <orderId> [--stage dev|prod] [--json] [--max-records <n>] [--kafka-timeout <seconds>]';

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(
    {
      args: [...argv],
      allowPositionals: true,
      options: {
        stage: { type: 'string' },
        json: { type: 'boolean', default: false },
        'max-records': { type: 'string' },
        'kafka-timeout': { type: 'string' },
      },
    },
    USAGE,
  );
  const [orderId] = positionals;
  if (orderId === undefined || positionals.length > 1) throw new OpsError(USAGE);
  const maxRecords = values['max-records'];
  const kafkaTimeout = values['kafka-timeout'];
  const target = await resolveTarget(values.stage);
  const report = await lookUpOrder(target, orderId, {
    ...(maxRecords ? { maxRecordsPerTopic: positiveNumber(maxRecords, '--max-records') } : {}),
    ...(kafkaTimeout ? { kafkaTimeoutMs: positiveNumber(kafkaTimeout, '--kafka-timeout') * 1_000 } : {}),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatOrderReport(report));
}

function positiveNumber(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new OpsError(`${option} must be a positive number, got '${text}'`);
  }
  return value;
}

runOpsCommand(main);
