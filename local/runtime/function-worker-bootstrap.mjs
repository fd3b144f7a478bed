// Registers tsx's CommonJS and ESM hooks in this worker thread before loading the TypeScript worker:
// loader hooks are per thread, and handlers run as TypeScript sources (the package is CommonJS, so
// tsx compiles them through the CommonJS hook).
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCommonJs();
registerEsm();
await import('./function-worker.ts');
