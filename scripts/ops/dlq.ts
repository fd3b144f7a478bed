/**
 * npm run dlq -- list <consumer> [--stage dev|prod]
 * npm run dlq -- show <consumer> <messageId|--all> [--stage dev|prod]
 * npm run dlq -- redrive <consumer> <messageId|--all> [--dry-run] [--stage dev|prod]
 *
 * Without --stage it works on the local mode of `npm start`; with it, on the deployed stage. The
 * logic is in failure-queue.ts; this file parses the command line and prints.
 */
import { STAGES } from '../../lib/config/stages';
import { parseCommandLine, runOpsCommand } from './command-line';
import { detailLines, formatRange, missingRecordsLine, summaryLine } from './failure-message';
import {
  consumerNameOf,
  type FailureQueue,
  listFailures,
  type MessageSelector,
  openFailureQueue,
  redriveFailures,
  showFailures,
} from './failure-queue';
import { OpsError, resolveTarget } from './target';

const USAGE =
  'usage: npm run dlq -- list <consumer> | show <consumer> <messageId|--all> | redrive <consumer> <messageId|--all> [--dry-run]  [--stage dev|prod]';

export async function runDlq(argv: readonly string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parseCommandLine(
    {
      args: [...argv],
      allowPositionals: true,
      options: {
        stage: { type: 'string' },
        all: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
      },
    },
    USAGE,
  );
  const [command, consumer, messageId] = positionals;
  if (command !== 'list' && command !== 'show' && command !== 'redrive') throw new OpsError(USAGE);
  const consumerName = consumerNameOf(consumer);
  if (values.stage !== undefined && !(values.stage in STAGES)) {
    throw new OpsError(`Unknown stage '${values.stage}': choose one of ${Object.keys(STAGES).join(', ')}`);
  }
  const selector = command === 'list' ? undefined : selectorOf(values.all === true, messageId, command);
  const target = await resolveTarget(values.stage);
  const queue = openFailureQueue(target, consumerName);
  try {
    if (selector === undefined) {
      const messages = await listFailures(queue);
      for (const message of messages) print(summaryLine(message));
      print(
        `${messages.length} message${messages.length === 1 ? '' : 's'} on the ${queue.consumer} failure queue (${target.description})`,
      );
      return;
    }
    if (command === 'show') {
      for (const shown of await showFailures(queue, selector)) {
        for (const line of detailLines(shown.message, shown.records, shown.missing)) print(line);
      }
      return;
    }
    await printRedrive(queue, selector, values['dry-run'] === true, print);
  } finally {
    await queue.close();
  }
}

async function printRedrive(
  queue: FailureQueue,
  selector: MessageSelector,
  dryRun: boolean,
  print: (line: string) => void,
): Promise<void> {
  const reports = await redriveFailures(queue, selector, { dryRun });
  for (const report of reports) {
    print(
      `message ${report.message.messageId} (${report.message.kind}, ${report.message.ranges.map(formatRange).join(', ')})`,
    );
    for (const record of report.records) {
      print(
        `  ${record.topic}-${record.partition}@${record.offset}  ${record.outcome}${record.detail ? `  ${record.detail}` : ''}`,
      );
    }
    for (const gone of report.missing) print(`  ${missingRecordsLine(gone)}`);
    if (dryRun) print(`  dry run: ${queue.functionName} not invoked, the message stays`);
    else print(report.deleted ? '  message deleted' : '  message kept on the queue');
  }
  const deleted = reports.filter((report) => report.deleted).length;
  print(
    `${reports.length} message${reports.length === 1 ? '' : 's'} redriven to ${queue.functionName}${dryRun ? ' (dry run)' : `, ${deleted} deleted`}`,
  );
}

function selectorOf(all: boolean, messageId: string | undefined, command: string): MessageSelector {
  if (all) return { all: true };
  if (messageId === undefined)
    throw new OpsError(
      `${command} needs a message id or --all (npm run dlq -- list <consumer> shows the ids)`,
    );
  return { messageId };
}

if (require.main === module) {
  runOpsCommand((argv) => runDlq(argv, (line) => console.log(line)));
}
