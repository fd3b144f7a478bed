/**
 * `npm run capacity [-- --rate 417 --stage prod --region eu-central-1 --units <file>]`: every limit
 * on the order path of a stage at an order rate, with what the rate needs, the limit and the
 * headroom, then the cost per million orders and the fixed monthly cost. It reads the stage's
 * synthesized templates, lib/config and the measured per-order units (`npm run bench:unit-counts`).
 * `--write-docs` renders the prod report into docs/infrastructure.md; `--check` exits 1 when a
 * limit is under 2x headroom without a quota request that restores it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGES, type StageName } from '../lib/config/stages';
import { repositoryRoot } from '../local/infra/paths';
import { docsSections, renderText, replaceSections } from './lib/capacity/render';
import {
  capacityReport,
  DEFAULT_REGION,
  DESIGN_ORDERS_PER_SECOND,
  readUnitCounts,
  UNIT_COUNTS_FILE,
  UnitCountsMissingError,
} from './lib/capacity/report';

export class CommandLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandLineError';
  }
}

export interface CapacityArguments {
  readonly rate: number;
  readonly stage: StageName;
  readonly region: string;
  readonly unitsFile: string;
  readonly writeDocs: boolean;
  readonly check: boolean;
}

const USAGE =
  'usage: npm run capacity -- [--rate <orders/s>] [--stage dev|prod] [--region <aws region>] [--units <file>] [--write-docs] [--check]';

export function parseCapacityArguments(argv: readonly string[], repoRoot: string): CapacityArguments {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--write-docs' || argument === '--check') {
      flags.add(argument);
      continue;
    }
    if (!['--rate', '--stage', '--region', '--units'].includes(argument)) {
      throw new CommandLineError(`Unknown argument '${argument}'\n${USAGE}`);
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--'))
      throw new CommandLineError(`${argument} needs a value\n${USAGE}`);
    values[argument] = value;
    i += 1;
  }
  const rate = values['--rate'] === undefined ? DESIGN_ORDERS_PER_SECOND : Number(values['--rate']);
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new CommandLineError(
      `--rate must be a positive number of orders per second, got '${values['--rate']}'`,
    );
  }
  const stage = values['--stage'] ?? 'prod';
  if (!(stage in STAGES)) {
    throw new CommandLineError(`--stage must be one of ${Object.keys(STAGES).join(', ')}, got '${stage}'`);
  }
  const region = values['--region'] ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new CommandLineError(`--region must be an AWS region code such as eu-central-1, got '${region}'`);
  }
  return {
    rate,
    stage: stage as StageName,
    region,
    unitsFile: values['--units'] ?? join(repoRoot, UNIT_COUNTS_FILE),
    writeDocs: flags.has('--write-docs'),
    check: flags.has('--check'),
  };
}

const DOCS_PAGE = join('docs', 'infrastructure.md');

function main(): number {
  const repoRoot = repositoryRoot();
  const args = parseCapacityArguments(process.argv.slice(2), repoRoot);
  const units = readUnitCounts(args.unitsFile);
  const report = capacityReport({
    stage: args.stage,
    region: args.region,
    ordersPerSecond: args.rate,
    units,
    repoRoot,
  });
  process.stdout.write(renderText(report));
  if (args.writeDocs) {
    const design = { region: DEFAULT_REGION, ordersPerSecond: DESIGN_ORDERS_PER_SECOND, units, repoRoot };
    const prod =
      args.stage === 'prod' && args.rate === DESIGN_ORDERS_PER_SECOND && args.region === DEFAULT_REGION
        ? report
        : capacityReport({ ...design, stage: 'prod' });
    const dev = capacityReport({ ...design, stage: 'dev' });
    const page = join(repoRoot, DOCS_PAGE);
    writeFileSync(page, replaceSections(readFileSync(page, 'utf8'), docsSections(prod, dev)));
    process.stdout.write(`rendered the prod report into ${DOCS_PAGE}\n`);
  }
  return args.check && report.findings.length > 0 ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    if (error instanceof CommandLineError || error instanceof UnitCountsMissingError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else {
      throw error;
    }
  }
}
