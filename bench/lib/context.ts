/** What the runner hands every benchmark: the mode, a log, and the shared system under test (started on first use). */
import type { BenchEnvironment } from './environment';

export interface BenchContext {
  readonly quick: boolean;
  readonly log: (line: string) => void;
  /** The private stack and pipeline; started by the first benchmark that asks, stopped by the runner. */
  readonly environment: () => Promise<BenchEnvironment>;
  /** Epoch ms by which the whole run should be done; open-ended benchmarks (synth) fit their repetitions to it. */
  readonly deadline: number;
}
