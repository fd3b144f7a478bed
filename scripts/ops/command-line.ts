/**
 * The edge of an operator tool (`npm run dlq`, `npm run order`): its command line parsed, and its
 * expected errors (OpsError) shown as one line on stderr with exit code 1, no stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { OpsError } from './target';

/** `parseArgs`, with a mistyped option answered by an OpsError that shows the usage. */
export function parseCommandLine<const Config extends ParseArgsConfig>(
  config: Config,
  usage: string,
): ReturnType<typeof parseArgs<Config>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new OpsError(`${error instanceof Error ? error.message : String(error)}\n${usage}`, {
      cause: error,
    });
  }
}

/**
 * Runs the tool and exits: 0 when it finished, 1 with the message for an OpsError; anything else is
 * a bug and shows its stack. It exits rather than waiting for a Kafka connection a timed-out read
 * may have left open.
 */
export function runOpsCommand(main: (argv: readonly string[]) => Promise<void>): void {
  // kafkajs 2.2 arms a timer with a negative delay when a broker answers, which Node 24 reports on
  // every run; the tool's output is what the operator reads, so only other warnings are shown.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') console.error(`${warning.name}: ${warning.message}`);
  });
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof OpsError ? error.message : error);
      process.exit(1);
    },
  );
}
