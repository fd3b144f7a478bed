/**
 * npm run dlq -- list <consumer> [--stage dev|prod]
 * npm run dlq -- show <consumer> <id|--all> [--stage dev|prod]
 * npm run dlq -- redrive <consumer> <id|--all> [--dry-run] [--stage dev|prod]
 *
 * Works on the consumer's dead-letter topic: without --stage on the local mode of `npm start`,
 * with it on the deployed stage's cluster. An id is `<partition>@<offset>` on the dead-letter
 * topic, as `list` prints it. The logic is in dead-letter-topic.ts; this file parses the command
 * line and prints.
 */
import { STAGES } from '../../lib/config/stages';
import { parseCommandLine, runOpsCommand } from './command-line';
import { detailLines, summaryLine } from './dead-letter';
import {
  consumerNameOf,
  type DeadLetterSelector,
  type DeadLetterTopic,
  openDeadLetterTopic,
} from './dead-letter-topic';
import { OpsError, resolveTarget } from './target';

const USAGE =
  'usage: npm run dlq -- list <consumer> | show <consumer> <id|--all> | redrive <consumer> <id|--all> [--dry-run]  [--stage dev|prod]';

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
  const [command, consumer, id] = positionals;
  if (command !== 'list' && command !== 'show' && command !== 'redrive') throw new OpsError(USAGE);
  const consumerName = consumerNameOf(consumer);
  if (values.stage !== undefined && !(values.stage in STAGES)) {
    throw new OpsError(`Unknown stage '${values.stage}': choose one of ${Object.keys(STAGES).join(', ')}`);
  }
  const selector = command === 'list' ? undefined : selectorOf(values.all === true, id, command);
  const target = await resolveTarget(values.stage);
  const deadLetters = openDeadLetterTopic(target, consumerName);
  try {
    if (selector === undefined) {
      const listed = await deadLetters.list();
      for (const deadLetter of listed) print(summaryLine(deadLetter));
      const pending = listed.filter((deadLetter) => !deadLetter.redriven).length;
      print(
        `${listed.length} dead letter${listed.length === 1 ? '' : 's'} on ${deadLetters.topic}, ${pending} pending (${target.description})`,
      );
      return;
    }
    if (command === 'show') {
      for (const deadLetter of await deadLetters.show(selector)) {
        for (const line of detailLines(deadLetter)) print(line);
      }
      return;
    }
    await printRedrive(deadLetters, selector, values['dry-run'] === true, print);
  } finally {
    await deadLetters.close();
  }
}

async function printRedrive(
  deadLetters: DeadLetterTopic,
  selector: DeadLetterSelector,
  dryRun: boolean,
  print: (line: string) => void,
): Promise<void> {
  const reports = await deadLetters.redrive(selector, { dryRun });
  for (const report of reports) {
    print(`dead letter ${report.deadLetter.id} (${report.deadLetter.kind})`);
    for (const record of report.records) print(`  ${record.source}  ${record.outcome}`);
    if (report.skipped) print(`  skipped: ${report.skipped}`);
  }
  const sent = reports.filter((report) => report.records.length > 0).length;
  print(
    dryRun
      ? `${sent} dead letter${sent === 1 ? '' : 's'} would be redriven (dry run: nothing sent)`
      : `${sent} dead letter${sent === 1 ? '' : 's'} redriven to their source topics from ${deadLetters.topic}`,
  );
}

function selectorOf(all: boolean, id: string | undefined, command: string): DeadLetterSelector {
  if (all) return { all: true };
  if (id === undefined)
    throw new OpsError(
      `${command} needs a dead letter id (<partition>@<offset>) or --all (npm run dlq -- list <consumer> shows the ids)`,
    );
  return { id };
}

if (require.main === module) {
  runOpsCommand((argv) => runDlq(argv, (line) => console.log(line)));
}
