/**
 * The local Step Functions in a process of its own, for the crash test: it serves the saga fixture
 * with a publisher whose reservations are never answered, prints `READY <endpoint>`, and runs until
 * it is killed. Arguments: <dataDir>.
 */
import { startLocalStepFunctions } from '../../../../local/stepfunctions';
import { sagaUnderTest } from './saga-under-test';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: sfn-process.ts <dataDir>');
  const running = await startLocalStepFunctions({
    port: 0,
    dataDir,
    stateMachines: [sagaUnderTest()],
    // Nothing answers the tokens: every execution stays RUNNING until the process dies.
    invokeFunction: async () => ({}),
  });
  process.stdout.write(`READY ${running.endpoint}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
