// Registers tsx's CommonJS and ESM hooks in the consumer process before loading its TypeScript
// entry (as function-worker-bootstrap.mjs does for a worker thread): the process is forked with a
// clean execArgv, so it does not depend on how its parent was started (tsx, vitest).
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCommonJs();
registerEsm();
await import('./consumer-process.ts');
